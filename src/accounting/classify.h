// accounting/classify.h — CAICT's counting rule for intelligent-computing centers (智算中心): a center counts
// when it has at least 500 AI cards (seed 004:545, the footnote to "全国累计建成智算中心达 60个",
// 004:506-507). Applied to the registry's intelligent-computing centers in service, so a supervisor sees
// which of them the national count would include and which it would not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/registry.h"

namespace zhisuan::accounting {

inline constexpr int64_t kCaictMinAiCards = 500;

// AI cards of a center: devices of its accelerator (not CPU-server) pools in service.
int64_t AiCards(const Registry& registry, const Center& center);

struct IntelligentCenterClass {
  const Center* center = nullptr;
  int64_t ai_cards = 0;
  bool counts = false;  // ai_cards >= kCaictMinAiCards
};

// Every center of kind intelligent with a pool in service, most AI cards first (ties by id).
std::vector<IntelligentCenterClass> ClassifyIntelligentCenters(const Registry& registry);

}  // namespace zhisuan::accounting
