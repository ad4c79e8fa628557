#include "ran.h"

#include "lte-ran.h"
#include "nr-ran.h"

#include <stdexcept>

namespace pamrl
{

std::unique_ptr<Ran>
Ran::Build(const ScenarioConfig& config)
{
    if (config.ranBackend == "nr")
    {
        return std::make_unique<NrRan>(config);
    }
    if (config.ranBackend == "lte")
    {
        return std::make_unique<LteRan>(config);
    }
    throw std::invalid_argument("ran.backend must be nr or lte, got \"" + config.ranBackend + "\"");
}

} // namespace pamrl
