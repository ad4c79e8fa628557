// How per-slice shares become whole RBGs, one rule for every RAN backend (so that the same shares give the same
// blocks on LTE and NR when both have the same number of RBGs).
//
// Slice s gets floor(share_s * N) RBGs; the RBGs left over go one each to the slices with the largest remainders,
// ties to the lower slice index. Blocks are laid out in slice order from RBG 0 (eMBB, then URLLC, then mMTC). A
// share of 0 gives no RBG: that slice's UEs get no new data.
#ifndef PAMRL_SLICE_RBG_SPLIT_H
#define PAMRL_SLICE_RBG_SPLIT_H

#include <cstdint>
#include <vector>

namespace pamrl
{

/// Whole RBGs per slice for the given shares.
std::vector<uint32_t> SharesToRbgCounts(const std::vector<double>& shares, uint32_t numRbgs);

/// First RBG of each slice's block, for the given counts.
std::vector<uint32_t> RbgBlockStarts(const std::vector<uint32_t>& counts);

/// PRBs in each slice's block when RBGs hold `rbgSize` PRBs and the carrier has `numPrbs` (the last RBG may be
/// shorter than the others).
std::vector<double> PrbsPerSlice(const std::vector<uint32_t>& counts, uint32_t rbgSize, uint32_t numPrbs);

} // namespace pamrl

#endif
