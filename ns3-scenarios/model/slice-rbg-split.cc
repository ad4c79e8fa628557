#include "slice-rbg-split.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pamrl
{

std::vector<uint32_t>
SharesToRbgCounts(const std::vector<double>& shares, uint32_t numRbgs)
{
    std::vector<uint32_t> counts(shares.size(), 0);
    std::vector<double> remainder(shares.size(), 0);
    uint32_t given = 0;
    for (size_t s = 0; s < shares.size(); ++s)
    {
        double exact = shares[s] * numRbgs;
        counts[s] = static_cast<uint32_t>(std::floor(exact + 1e-9));
        remainder[s] = exact - counts[s];
        given += counts[s];
    }
    std::vector<size_t> order(shares.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
    for (size_t i = 0; given < numRbgs && i < order.size(); ++i, ++given)
    {
        counts[order[i]] += 1;
    }
    return counts;
}

std::vector<uint32_t>
RbgBlockStarts(const std::vector<uint32_t>& counts)
{
    std::vector<uint32_t> starts(counts.size(), 0);
    for (size_t s = 1; s < counts.size(); ++s)
    {
        starts[s] = starts[s - 1] + counts[s - 1];
    }
    return starts;
}

std::vector<double>
PrbsPerSlice(const std::vector<uint32_t>& counts, uint32_t rbgSize, uint32_t numPrbs)
{
    std::vector<double> prbs(counts.size());
    uint32_t first = 0;
    for (size_t s = 0; s < counts.size(); ++s)
    {
        uint32_t end = std::min(numPrbs, (first + counts[s]) * rbgSize);
        uint32_t begin = std::min(numPrbs, first * rbgSize);
        prbs[s] = end - begin;
        first += counts[s];
    }
    return prbs;
}

} // namespace pamrl
