#include "expansion/experiment_evidence.hpp"

namespace tinyllm::expansion {

json::Value pair_evidence_json(const stats::PairEvidence &e, json::Allocator &a) {
    json::Value o(rapidjson::kObjectType);
    o.AddMember("verdict", json::Value(stats::to_string(e.verdict), a), a);
    o.AddMember("pairs", static_cast<uint64_t>(e.pairs), a);
    o.AddMember("discordant", static_cast<uint64_t>(e.discordant), a);
    o.AddMember("candidate_wins", static_cast<uint64_t>(e.candidate_wins), a);
    o.AddMember("base_wins", static_cast<uint64_t>(e.base_wins), a);
    o.AddMember("difference", e.difference, a);
    o.AddMember("log_lambda", e.log_lambda, a);
    o.AddMember("p_value", e.p_value, a);
    return o;
}

std::string with_evidence(std::string_view evidence_text, const char *member, json::Value value) {
    json::Document doc =
        json::parse_object(evidence_text.empty() ? "{}" : evidence_text, "experiment evidence");
    auto &a = doc.GetAllocator();
    json::Value copy(value, a);
    doc.RemoveMember(member);
    doc.AddMember(json::Value(member, a), copy, a);
    return json::to_string(doc);
}

} // namespace tinyllm::expansion
