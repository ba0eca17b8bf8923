#include "base/json.hpp"

#include <cstdio>

namespace erofs {

std::string json_escape(std::string_view s)
{
	std::string o = "\"";
	for (unsigned char c : s) {
		if (c == '"' || c == '\\') {
			o += '\\';
			o += char(c);
		} else if (c < 0x20 || c >= 0x7f) {
			char b[8];
			snprintf(b, sizeof(b), "\\u%04x", c);
			o += b;
		} else {
			o += char(c);
		}
	}
	return o + "\"";
}

void Json::key(std::string_view k)
{
	if (!first_.back())
		out_ += ",";
	first_.back() = false;
	if (!k.empty())
		out_ += json_escape(k) + ":";
}

Json &Json::begin_object(std::string_view k)
{
	key(k);
	out_ += "{";
	first_.push_back(true);
	return *this;
}

Json &Json::end_object()
{
	first_.pop_back();
	out_ += "}";
	return *this;
}

Json &Json::begin_array(std::string_view k)
{
	key(k);
	out_ += "[";
	first_.push_back(true);
	return *this;
}

Json &Json::end_array()
{
	first_.pop_back();
	out_ += "]";
	return *this;
}

Json &Json::str(std::string_view k, std::string_view v)
{
	key(k);
	out_ += json_escape(v);
	return *this;
}

Json &Json::num(std::string_view k, uint64_t v)
{
	key(k);
	out_ += std::to_string(v);
	return *this;
}

Json &Json::num(std::string_view k, int64_t v)
{
	key(k);
	out_ += std::to_string(v);
	return *this;
}

Json &Json::real(std::string_view k, double v)
{
	key(k);
	char b[32];
	snprintf(b, sizeof(b), "%.6f", v);
	out_ += b;
	return *this;
}

Json &Json::boolean(std::string_view k, bool v)
{
	key(k);
	out_ += v ? "true" : "false";
	return *this;
}

}  // namespace erofs
