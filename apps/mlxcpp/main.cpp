// mlxcpp: run Hugging Face models on CPUs and NVIDIA GPUs.
#include <algorithm>
#include <cstdio>
#include <exception>

#include "command.h"

int main(int argc, char** argv) {
  using namespace mlxcpp::cli;
  CLI::App app{"mlxcpp: run Hugging Face models (text, vision, speech, embeddings) on CPUs and "
               "NVIDIA GPUs"};
  app.require_subcommand(1);
  auto& all = commands();
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (auto& command : all) {
    command.setup(*app.add_subcommand(command.name, command.description));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlxcpp: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
