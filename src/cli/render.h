// cli/render.h — terminal tables for the API's JSON views (server/views.h).
#pragma once

#include <string>

#include "server/views.h"

namespace zhisuan::cli {

std::string RenderCenters(const views::Json& centers);
std::string RenderCenter(const views::Json& center);
std::string RenderAccelerators(const views::Json& accelerators);
std::string RenderRegions(const views::Json& regions);
std::string RenderCapacity(const views::Json& capacity);
std::string RenderSelfReliance(const views::Json& self_reliance);
std::string RenderIntelligentCenters(const views::Json& classes);
std::string RenderCoverage(const views::Json& coverage);
std::string RenderQuote(const views::Json& quote);

}  // namespace zhisuan::cli
