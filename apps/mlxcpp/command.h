// Subcommands of the `mlxcpp` tool. Each cmd_<name>.cpp defines a static CommandRegistration
// that adds its CLI11 subcommand; main.cpp builds the app from every registration.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace mlxcpp::cli {

struct Command {
  std::string name;
  std::string description;
  // Declares the subcommand's options on `sub` and sets its callback.
  std::function<void(CLI::App& sub)> setup;
};

std::vector<Command>& commands();

struct CommandRegistration {
  explicit CommandRegistration(Command command) { commands().push_back(std::move(command)); }
};

// Thrown by a subcommand for a user-facing failure: main prints the message as one line and
// exits with status 1.
struct CommandError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace mlxcpp::cli
