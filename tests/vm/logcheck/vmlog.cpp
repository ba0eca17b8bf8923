#include "vmlog.hpp"

#include <array>
#include <charconv>
#include <regex>
#include <string_view>

namespace vmlog {
namespace {

constexpr std::string_view kSubIndent = "    ";

std::string_view rstrip(std::string_view s)
{
	while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' '))
		s.remove_suffix(1);
	return s;
}

// "1..N" -> N
std::optional<int> parse_plan(std::string_view s)
{
	if (!s.starts_with("1.."))
		return std::nullopt;
	s.remove_prefix(3);
	// "1..0 # SKIP reason" is a valid empty plan
	auto end = s.find(' ');
	std::string_view num = s.substr(0, end);
	int n = 0;
	auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
	if (ec != std::errc() || p != num.data() + num.size() || n < 0)
		return std::nullopt;
	return n;
}

struct Result {
	bool ok;
	int number;  // 0 when absent
	std::string_view rest;
};

// "ok 3 - text", "not ok 3 - text", "ok - text", "ok"
std::optional<Result> parse_result(std::string_view s)
{
	Result r{true, 0, {}};
	if (s.starts_with("not ok")) {
		r.ok = false;
		s.remove_prefix(6);
	} else if (s.starts_with("ok")) {
		s.remove_prefix(2);
	} else {
		return std::nullopt;
	}
	if (!s.empty() && s.front() != ' ')
		return std::nullopt;  // "okay", "oknot"
	while (!s.empty() && s.front() == ' ')
		s.remove_prefix(1);
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), r.number);
	if (ec != std::errc())
		r.number = 0;
	else
		s.remove_prefix(p - s.data());
	r.rest = s;
	return r;
}

bool is_todo_or_skip(std::string_view rest)
{
	auto hash = rest.find('#');
	if (hash == std::string_view::npos)
		return false;
	auto d = rest.substr(hash + 1);
	while (!d.empty() && d.front() == ' ')
		d.remove_prefix(1);
	auto upper = [](std::string_view w, std::string_view k) {
		if (w.size() < k.size())
			return false;
		for (size_t i = 0; i < k.size(); i++)
			if (std::toupper(static_cast<unsigned char>(w[i])) != k[i])
				return false;
		return true;
	};
	return upper(d, "TODO");
}

// State of the indented block that belongs to the running script.
struct SubState {
	std::optional<int> planned;
	int results = 0;
	int next = 1;
	bool any = false;
};

}  // namespace

TapReport parse_tap(std::istream &in)
{
	TapReport rep;
	SubState sub;
	int next = 1;
	std::string raw;
	auto where = [&] { return rep.current.empty() ? std::string() : " (in " + rep.current + ")"; };

	while (std::getline(in, raw)) {
		std::string_view line = rstrip(raw);
		if (line.starts_with(kSubIndent)) {
			std::string_view s = line.substr(kSubIndent.size());
			while (s.starts_with(kSubIndent))  // deeper nesting: count as checks
				s.remove_prefix(kSubIndent.size());
			if (auto n = parse_plan(s)) {
				if (sub.planned)
					rep.errors.push_back("second sub-plan" + where());
				sub.planned = n;
				sub.any = true;
			} else if (auto r = parse_result(s)) {
				sub.any = true;
				sub.results++;
				rep.checks++;
				if (r->number && r->number != sub.next)
					rep.errors.push_back("check numbered " + std::to_string(r->number) +
							     ", expected " + std::to_string(sub.next) + where());
				sub.next = (r->number ? r->number : sub.next) + 1;
				if (!r->ok && !is_todo_or_skip(r->rest))
					rep.errors.push_back(std::string(s) + where());
			} else if (s.starts_with("Bail out!")) {
				rep.errors.push_back(std::string(s) + where());
			}
			continue;
		}
		if (line.starts_with("# begin ")) {
			rep.current = std::string(line.substr(8));
			rep.finished_current = false;
			sub = SubState{};
			continue;
		}
		if (line.starts_with("Bail out!")) {
			rep.errors.push_back(std::string(line) + where());
			continue;
		}
		if (auto n = parse_plan(line)) {
			if (rep.planned)
				rep.errors.push_back("second top-level plan");
			rep.planned = n;
			continue;
		}
		if (auto r = parse_result(line)) {
			rep.results++;
			if (r->number && r->number != next)
				rep.errors.push_back("test numbered " + std::to_string(r->number) +
						     ", expected " + std::to_string(next));
			next = (r->number ? r->number : next) + 1;
			if (sub.any && !sub.planned)
				rep.errors.push_back("no plan for its checks" + where());
			else if (sub.planned && *sub.planned != sub.results)
				rep.errors.push_back("planned " + std::to_string(*sub.planned) +
						     " checks, ran " + std::to_string(sub.results) + where());
			if (r->ok || is_todo_or_skip(r->rest))
				rep.passed++;
			else
				rep.errors.push_back(std::string(line));
			rep.finished_current = true;
			sub = SubState{};
		}
	}

	if (!rep.planned) {
		rep.errors.push_back("no plan: the guest did not start its tests" +
				     std::string(rep.current.empty() ? "" : " or stopped during " + rep.current));
	} else if (rep.results != *rep.planned) {
		std::string msg = "planned " + std::to_string(*rep.planned) + " tests, " +
				  std::to_string(rep.results) + " reported";
		if (!rep.current.empty() && !rep.finished_current)
			msg += "; the guest stopped during " + rep.current;
		rep.errors.push_back(msg);
	}
	return rep;
}

bool is_splat(const std::string &line)
{
	// Lines that carry a needle but report nothing wrong: the debug
	// kernel's boot banner, and the harness's own markers (a test's name
	// may well contain "lockdep" or "KASAN").
	static constexpr std::array<std::string_view, 3> benign = {
		"RCU lockdep checking is enabled.",
		"erofs-test: begin ",
		"erofs-test: end ",
	};
	for (auto b : benign)
		if (line.find(b) != std::string::npos)
			return false;
	// Substrings the kernel prints only when something went wrong.
	static constexpr std::array<std::string_view, 17> needles = {
		"Oops",
		"BUG:",
		"kernel BUG at",
		"WARNING:",
		"Call Trace",
		"general protection",
		"hung_task",
		"blocked for more than",
		"KASAN",
		"UBSAN",
		"Kernel panic",
		"soft lockup",
		"hard LOCKUP",
		"rcu_sched detected stalls",
		"rcu_preempt detected stalls",
		"INFO: rcu",
		"lockdep",
	};
	for (auto n : needles)
		if (line.find(n) != std::string::npos)
			return true;
	// lockdep: "WARNING: possible circular locking dependency detected",
	// "possible recursive locking detected", "possible irq lock inversion".
	static const std::regex lockdep("possible .*lock");
	return std::regex_search(line, lockdep);
}

std::vector<std::string> kernel_splats(std::istream &in)
{
	std::vector<std::string> out;
	std::string line;
	while (std::getline(in, line)) {
		std::string_view v = rstrip(line);
		std::string s(v);
		if (is_splat(s))
			out.push_back(std::move(s));
	}
	return out;
}

}  // namespace vmlog
