#include "train/fingerprint.h"

#include <sstream>

#include "core/sha256.h"

namespace iwsi {

std::string ini_without(const std::string& ini, const std::set<std::string>& excluded) {
  std::istringstream in(ini);
  std::ostringstream out;
  std::string line, section;
  while (std::getline(in, line)) {
    if (!line.empty() && line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
    } else {
      const size_t eq = line.find(" = ");
      if (eq != std::string::npos && excluded.count(section + "." + line.substr(0, eq))) continue;
    }
    out << line << "\n";
  }
  return out.str();
}

std::string training_fingerprint(const std::string& options_ini, const std::vector<InputRecord>& inputs) {
  std::ostringstream text;
  text << options_ini << "\n[inputs]\n";
  for (const InputRecord& input : inputs) text << input.size << " " << input.sha256 << "\n";
  return sha256_hex(text.str());
}

}  // namespace iwsi
