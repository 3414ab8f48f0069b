// The UnicodeScripts pre-tokenizer: cuts wherever the Unicode script changes, with Hiragana,
// Katakana and the prolonged sound mark counted as Han, and the space plus every code point
// Unicode 9.0 did not assign counted as belonging to any script (the reference's table is from
// Unicode 9.0; see scripts/gen_unicode_scripts.pl).
#include <algorithm>
#include <cstring>

#include "tokenizer/components.h"
#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::detail {

namespace {

struct ScriptRange {
  uint32_t first, last;
  int script;
};

#include "tokenizer/unicode_scripts_table.inc"

constexpr int kAny = -1;

int script_named(const char* name) {
  for (size_t i = 0; i < std::size(kScriptNames); ++i) {
    if (std::strcmp(kScriptNames[i], name) == 0) {
      return static_cast<int>(i);
    }
  }
  return kAny;
}

int fixed_script(uint32_t cp) {
  static const int han = script_named("Han");
  static const int hiragana = script_named("Hiragana");
  static const int katakana = script_named("Katakana");
  if (cp == 0x30FC) {
    return han;
  }
  if (cp == ' ') {
    return kAny;
  }
  auto it = std::upper_bound(std::begin(kScriptRanges), std::end(kScriptRanges), cp,
                             [](uint32_t c, const ScriptRange& r) { return c < r.first; });
  if (it == std::begin(kScriptRanges) || (--it)->last < cp) {
    return kAny;
  }
  return it->script == hiragana || it->script == katakana ? han : it->script;
}

class UnicodeScripts : public PreTokenizer {
public:
  void pre_tokenize(Pieces& pieces) const override {
    split_pieces(pieces, [](std::string_view text, auto& out) {
      // A cut goes before each character whose script differs from the last non-Any one;
      // like the reference, text before the first cut (leading Any characters) is dropped.
      std::vector<size_t> cuts;
      int last = kAny;
      for (size_t i = 0; i < text.size();) {
        size_t start = i;
        int script = fixed_script(next_code_point(text, i));
        if (script != kAny && script != last) {
          cuts.push_back(start);
        }
        if (script != kAny) {
          last = script;
        }
      }
      cuts.push_back(text.size());
      for (size_t k = 0; k + 1 < cuts.size(); ++k) {
        out.emplace_back(cuts[k], cuts[k + 1]);
      }
    });
  }
};

} // namespace

std::unique_ptr<PreTokenizer> make_unicode_scripts_pre_tokenizer() {
  return std::make_unique<UnicodeScripts>();
}

} // namespace mlxcpp::tokenizer::detail
