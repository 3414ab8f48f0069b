// The UnicodeScripts pre-tokenizer: cuts wherever the Unicode script changes, with Hiragana,
// Katakana and the prolonged sound mark counted as Han and the space as belonging to any
// script. PCRE2 knows the Script property, so one alternation of \p{sc:...} groups tells a
// code point's script; results are cached since the same characters recur.
#include <mutex>
#include <unordered_map>

#include "tokenizer/components.h"
#include "tokenizer/regex.h"
#include "tokenizer/unicode.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace mlxcpp::tokenizer::detail {

namespace {

const char* const kScripts[] = {"Adlam",
                                "Ahom",
                                "Anatolian_Hieroglyphs",
                                "Arabic",
                                "Armenian",
                                "Avestan",
                                "Balinese",
                                "Bamum",
                                "Bassa_Vah",
                                "Batak",
                                "Bengali",
                                "Bhaiksuki",
                                "Bopomofo",
                                "Brahmi",
                                "Braille",
                                "Buginese",
                                "Buhid",
                                "Canadian_Aboriginal",
                                "Carian",
                                "Caucasian_Albanian",
                                "Chakma",
                                "Cham",
                                "Cherokee",
                                "Chorasmian",
                                "Common",
                                "Coptic",
                                "Cuneiform",
                                "Cypriot",
                                "Cypro_Minoan",
                                "Cyrillic",
                                "Deseret",
                                "Devanagari",
                                "Dives_Akuru",
                                "Dogra",
                                "Duployan",
                                "Egyptian_Hieroglyphs",
                                "Elbasan",
                                "Elymaic",
                                "Ethiopic",
                                "Georgian",
                                "Glagolitic",
                                "Gothic",
                                "Grantha",
                                "Greek",
                                "Gujarati",
                                "Gunjala_Gondi",
                                "Gurmukhi",
                                "Han",
                                "Hangul",
                                "Hanifi_Rohingya",
                                "Hanunoo",
                                "Hatran",
                                "Hebrew",
                                "Hiragana",
                                "Imperial_Aramaic",
                                "Inherited",
                                "Inscriptional_Pahlavi",
                                "Inscriptional_Parthian",
                                "Javanese",
                                "Kaithi",
                                "Kannada",
                                "Katakana",
                                "Kayah_Li",
                                "Kharoshthi",
                                "Khitan_Small_Script",
                                "Khmer",
                                "Khojki",
                                "Khudawadi",
                                "Lao",
                                "Latin",
                                "Lepcha",
                                "Limbu",
                                "Linear_A",
                                "Linear_B",
                                "Lisu",
                                "Lycian",
                                "Lydian",
                                "Mahajani",
                                "Makasar",
                                "Malayalam",
                                "Mandaic",
                                "Manichaean",
                                "Marchen",
                                "Masaram_Gondi",
                                "Medefaidrin",
                                "Meetei_Mayek",
                                "Mende_Kikakui",
                                "Meroitic_Cursive",
                                "Meroitic_Hieroglyphs",
                                "Miao",
                                "Modi",
                                "Mongolian",
                                "Mro",
                                "Multani",
                                "Myanmar",
                                "Nabataean",
                                "Nandinagari",
                                "New_Tai_Lue",
                                "Newa",
                                "Nko",
                                "Nushu",
                                "Nyiakeng_Puachue_Hmong",
                                "Ogham",
                                "Ol_Chiki",
                                "Old_Hungarian",
                                "Old_Italic",
                                "Old_North_Arabian",
                                "Old_Permic",
                                "Old_Persian",
                                "Old_Sogdian",
                                "Old_South_Arabian",
                                "Old_Turkic",
                                "Old_Uyghur",
                                "Oriya",
                                "Osage",
                                "Osmanya",
                                "Pahawh_Hmong",
                                "Palmyrene",
                                "Pau_Cin_Hau",
                                "Phags_Pa",
                                "Phoenician",
                                "Psalter_Pahlavi",
                                "Rejang",
                                "Runic",
                                "Samaritan",
                                "Saurashtra",
                                "Sharada",
                                "Shavian",
                                "Siddham",
                                "SignWriting",
                                "Sinhala",
                                "Sogdian",
                                "Sora_Sompeng",
                                "Soyombo",
                                "Sundanese",
                                "Syloti_Nagri",
                                "Syriac",
                                "Tagalog",
                                "Tagbanwa",
                                "Tai_Le",
                                "Tai_Tham",
                                "Tai_Viet",
                                "Takri",
                                "Tamil",
                                "Tangsa",
                                "Tangut",
                                "Telugu",
                                "Thaana",
                                "Thai",
                                "Tibetan",
                                "Tifinagh",
                                "Tirhuta",
                                "Toto",
                                "Ugaritic",
                                "Vai",
                                "Vithkuqi",
                                "Wancho",
                                "Warang_Citi",
                                "Yezidi",
                                "Yi",
                                "Zanabazar_Square"};

constexpr int kAny = -1;
constexpr int kUnknown = -2;

class ScriptTable {
public:
  ScriptTable() {
    std::string pattern = "^(?:";
    int group = 0;
    for (const char* name : kScripts) {
      std::string one = std::string("\\p{sc:") + name + "}";
      try {
        Regex probe(one); // skip names this PCRE2's Unicode tables do not know
      } catch (const std::exception&) {
        continue;
      }
      pattern += (group++ ? "|(" : "(") + one + ")";
      names_.emplace_back(name);
    }
    pattern += ")";
    int error = 0;
    PCRE2_SIZE offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                          PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
    han_ = index_of("Han");
  }
  ~ScriptTable() { pcre2_code_free(code_); }

  int script(uint32_t cp) {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(cp); it != cache_.end()) {
      return it->second;
    }
    int result = lookup(cp);
    cache_.emplace(cp, result);
    return result;
  }

  int han() const { return han_; }
  int index_of(std::string_view name) const {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) {
        return static_cast<int>(i);
      }
    }
    return kUnknown;
  }

private:
  int lookup(uint32_t cp) {
    if (!code_) {
      return kUnknown;
    }
    std::string s;
    append_utf8(s, cp);
    pcre2_match_data* data = pcre2_match_data_create_from_pattern(code_, nullptr);
    int rc =
        pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, data, nullptr);
    int result = kUnknown;
    if (rc > 1) {
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data);
      for (int g = 1; g < rc; ++g) {
        if (ov[2 * g] != PCRE2_UNSET) {
          result = g - 1;
          break;
        }
      }
    }
    pcre2_match_data_free(data);
    return result;
  }

  pcre2_code* code_ = nullptr;
  std::vector<std::string> names_;
  int han_ = kUnknown;
  std::mutex mutex_;
  std::unordered_map<uint32_t, int> cache_;
};

ScriptTable& script_table() {
  static ScriptTable table;
  return table;
}

int fixed_script(uint32_t cp) {
  auto& table = script_table();
  if (cp == 0x30FC) {
    return table.han();
  }
  if (cp == ' ') {
    return kAny;
  }
  int s = table.script(cp);
  static const int hiragana = table.index_of("Hiragana");
  static const int katakana = table.index_of("Katakana");
  if (s == hiragana || s == katakana) {
    return table.han();
  }
  return s;
}

class UnicodeScripts : public PreTokenizer {
public:
  void pre_tokenize(Pieces& pieces) const override {
    split_pieces(pieces, [](std::string_view text, auto& out) {
      std::vector<size_t> cuts;
      bool have_last = false;
      int last = 0;
      for (size_t i = 0; i < text.size();) {
        size_t start = i;
        int script = fixed_script(next_code_point(text, i));
        if (script != kAny && !(have_last && last == kAny) && !(have_last && last == script)) {
          cuts.push_back(start);
        }
        if (script != kAny) {
          last = script;
          have_last = true;
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
