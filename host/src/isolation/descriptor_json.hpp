// A loaded plugin's descriptor as JSON and back: what the plugin's own process tells the host
// about the plugin (`isolation: process`), so the host lists, validates configs and creates
// components without mapping the library into its own address space.
#pragma once

#include "plugin/loaded_plugin.hpp"
#include "tinyllm/json.hpp"

#include <memory>
#include <string>
#include <vector>

namespace tinyllm::isolation {

// {"id","name","version","description","vendor","license","abi":[major,minor],
//  "components":[{"index","kind","name","description","config_schema","flags",
//                 "parameters_schema"}]} for the components that passed the loader's checks.
std::string descriptor_json(const plugin::LoadedPlugin &plugin);

// The same data, owned, with C strings for a tllm_plugin_descriptor and tllm_components built
// over them; each component keeps its index in the plugin's own table.
struct DescriptorCopy {
    json::Document doc; // owns every string the tables point to
    tllm_plugin_descriptor descriptor{};
    std::vector<tllm_component> components;
    std::vector<uint32_t> indexes;   // the plugin's index of each component
    std::vector<tllm_tool_v1> tools; // per component (used for tool components only)
};

// Throws Error(protocol) naming what is missing.
std::unique_ptr<DescriptorCopy> parse_descriptor_json(std::string_view text);

} // namespace tinyllm::isolation
