#include "accounting/classify.h"

#include <algorithm>

namespace zhisuan::accounting {

int64_t AiCards(const Registry& registry, const Center& center) {
  int64_t cards = 0;
  for (const Pool& pool : center.pools) {
    const Accelerator* a = registry.FindAccelerator(pool.accelerator);
    if (a != nullptr && a->device_class != DeviceClass::kCpu && center.InService(pool)) cards += pool.devices;
  }
  return cards;
}

std::vector<IntelligentCenterClass> ClassifyIntelligentCenters(const Registry& registry) {
  std::vector<IntelligentCenterClass> out;
  for (const Center& center : registry.centers()) {
    if (center.kind != CenterKind::kIntelligent || !center.AnyInService()) continue;
    const int64_t cards = AiCards(registry, center);
    out.push_back({&center, cards, cards >= kCaictMinAiCards});
  }
  std::ranges::stable_sort(out, [](const IntelligentCenterClass& a, const IntelligentCenterClass& b) {
    return a.ai_cards != b.ai_cards ? a.ai_cards > b.ai_cards : a.center->id < b.center->id;
  });
  return out;
}

}  // namespace zhisuan::accounting
