// The official code's post-processing of a generated sample (get_qa_pair in src/utils/utils.py of
// github.com/rubickkcibur/IWSI), for generate.clean = paper: the text is cut at its first "Q:",
// every "A:" is removed, and when it says "the answer is", all after the last one becomes
// " N." with N = int(float(x)) of the number the paper's rule reads (left as it is when none).
// Our default keeps the sampled text as the stop string cut it.
#pragma once

#include <string>

namespace iwsi {

// `text` is the continuation after the prompt (the official code first drops everything up to
// the question, which is the same thing).
std::string paper_cleaned_sample(const std::string& text);

}  // namespace iwsi
