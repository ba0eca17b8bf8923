// A minimal streaming JSON writer (objects, arrays, strings, numbers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace erofs {

class Json {
public:
	Json &begin_object(std::string_view key = {});
	Json &end_object();
	Json &begin_array(std::string_view key = {});
	Json &end_array();
	Json &str(std::string_view key, std::string_view v);
	Json &num(std::string_view key, uint64_t v);
	Json &num(std::string_view key, int64_t v);
	Json &real(std::string_view key, double v);
	Json &boolean(std::string_view key, bool v);
	Json &str_item(std::string_view v) { return str({}, v); }
	const std::string &text() const { return out_; }

private:
	void key(std::string_view k);
	std::string out_;
	std::vector<bool> first_{true};
};

std::string json_escape(std::string_view s);

}  // namespace erofs
