#ifndef TANDEM_COMMON_MODEL_TOKENIZER_INCREMENTAL_DETOKENIZER_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_INCREMENTAL_DETOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/model/tokenizer/tokenizer.h"

namespace tandem::model {

// Turns a stream of generated ids into text as it becomes final, with the
// prefix/read-offset technique of vLLM and TGI: after each id it decodes the
// window of ids since the previous emission twice, with and without the
// ids not yet emitted, and emits the difference. It holds text back while
//   - the window's text ends in U+FFFD (an incomplete UTF-8 character), or
//   - the last decoded token is a byte-fallback piece <0xXX>: Hugging Face
//     decodes a run of them as a whole (a later invalid byte turns the run
//     into U+FFFDs), so the run is final only once another token follows.
// Because both decodes start at the same token, a decoder's special
// treatment of the first token (SentencePiece's stripped leading space)
// cancels out and only applies at the start of the stream. Decoders that cut
// across later token boundaries (Strip with start > 1 or stop > 0; see
// Tokenizer::HasLocalDecoder) keep the whole stream as the window instead.
// So Push never emits half a character, and the concatenation of everything
// Push and Flush return equals tokenizer.Decode(all ids, skip_special_tokens).
//
// Not thread-safe (one stream per object); the tokenizer must outlive it.
class IncrementalDetokenizer {
 public:
  explicit IncrementalDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens = true);

  // Appends `id`; returns the text that became final (often empty). Ids
  // outside [0, vocab_size()) contribute no text (Decode would reject them).
  std::string Push(int32_t id);

  // Returns the text still held back (e.g. a trailing incomplete
  // character, as U+FFFD) and resets the stream: the next Push starts a new
  // text.
  std::string Flush();

 private:
  std::string DecodeRange(size_t begin, size_t end) const;

  const Tokenizer& tokenizer_;
  bool skip_special_tokens_;
  std::vector<int32_t> ids_;  // ids from the prefix offset on
  size_t read_offset_ = 0;    // ids_[0, read_offset_) are already emitted
  bool in_byte_run_ = false;  // the last decoded token is a byte piece
};

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_INCREMENTAL_DETOKENIZER_H_
