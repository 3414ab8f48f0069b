// Language models from GGUF files (llama.cpp's format): the architecture and hyper-parameters
// come from the metadata, translated into the config.json a Hugging Face folder would have;
// the tensors are renamed (and llama's Q/K rows un-permuted) to Hugging Face names, so the
// model classes of the folder path serve both. The tokenizer comes from tokenizer.json beside
// the file, or else from the GGUF tokenizer metadata.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "mlx/io.h"

#include "mlxcpp/lm/loader.h"
#include "mlxcpp/tokenizer/pretrained.h"

namespace mlxcpp::lm {

using GGUFMetadata = std::unordered_map<std::string, mlx::core::GGUFMetaData>;
using GGUFTensors = std::unordered_map<std::string, mlx::core::array>;

// The GGUF file `path` names: `path` itself when it ends in .gguf, or the one .gguf in a folder
// without config.json; nullopt for a Hugging Face folder. Throws std::runtime_error for a
// folder holding several .gguf files (naming them).
std::optional<std::filesystem::path> gguf_model_file(const std::filesystem::path& path);

// The config.json equivalent of a GGUF model (model_type, sizes, rotary settings, tied
// embeddings, dtype, bos/eos ids). `tensors` are the file's, by GGUF name (the output layer's
// presence, biases, llama 3's rope_freqs). Throws std::runtime_error naming a missing or
// ill-typed metadata key, or an unsupported general.architecture.
nlohmann::json gguf_config(const GGUFMetadata& metadata, const GGUFTensors& tensors);

// The tensors under Hugging Face names for the architecture of `config` (from gguf_config):
// token_embd -> model.embed_tokens, blk.N.attn_q -> model.layers.N.self_attn.q_proj, ...;
// llama's Q/K rows put back in Hugging Face's rotary order; Gemma's norm gains less one.
// Quantized triples (x.weight/x.scales/x.biases) keep their packed form. Throws
// std::runtime_error naming a tensor that has no place in the model or a bad shape.
WeightMap gguf_to_hf_weights(GGUFTensors tensors, const nlohmann::json& config);

// Loads a GGUF model file (see load_model, which calls this for GGUF paths).
LoadedModel load_gguf_model(const std::filesystem::path& file, const LoadOptions& options = {});

// The tokenizer.json equivalent of a GGUF tokenizer (tokenizer.ggml.model "gpt2": byte-level
// BPE, or "llama": SentencePiece-style BPE with byte fallback, merges ranked by score).
// Throws std::runtime_error naming a missing key or an unsupported model or pre-tokenizer.
std::string gguf_tokenizer_json(const GGUFMetadata& metadata);

// The tokenizer with its special tokens (bos/eos/unk/pad) and chat templates
// (tokenizer.chat_template, tokenizer.chat_template.NAME).
tokenizer::PretrainedTokenizer gguf_tokenizer(const GGUFMetadata& metadata);

// The tokenizer of a GGUF model file: tokenizer.json beside it, else its metadata.
tokenizer::PretrainedTokenizer load_gguf_tokenizer(const std::filesystem::path& file);

} // namespace mlxcpp::lm
