// SPDX-License-Identifier: GPL-2.0
#include "http.hpp"

#include <cctype>
#include <charconv>
#include <cstring>
#include <strings.h>

namespace ssb::http {

static const std::string_view default_body = "Hello from syncsock\n";
static constexpr std::size_t max_header = 8192;

const std::string_view bad_request =
	"HTTP/1.1 400 Bad Request\r\nServer: syncsock\r\nContent-Type: text/plain\r\n"
	"Content-Length: 12\r\nConnection: close\r\n\r\nBad Request\n";

static std::string build(bool keep_alive, bool head)
{
	std::string r = "HTTP/1.1 200 OK\r\nServer: syncsock\r\nContent-Type: text/plain\r\n"
			 "Content-Length: " +
			 std::to_string(default_body.size()) + "\r\nConnection: " +
			 (keep_alive ? "keep-alive" : "close") + "\r\n\r\n";
	if (!head)
		r += default_body;
	return r;
}

const std::string &response(bool keep_alive, bool head)
{
	static const std::string r[2][2] = {{build(false, false), build(false, true)},
					    {build(true, false), build(true, true)}};
	return r[keep_alive][head];
}

static bool tchar(char c)
{
	return std::isalnum(static_cast<unsigned char>(c)) ||
	       std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

static std::string_view trim(std::string_view v)
{
	while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
		v.remove_prefix(1);
	while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
		v.remove_suffix(1);
	return v;
}

static bool is_header(std::string_view line, std::string_view name)
{
	return line.size() > name.size() && line[name.size()] == ':' &&
	       strncasecmp(line.data(), name.data(), name.size()) == 0;
}

static bool has_token(std::string_view v, std::string_view token)
{
	while (true) {
		auto c = v.find(',');
		std::string_view t = v.substr(0, c);
		while (!t.empty() && t.front() == ' ')
			t.remove_prefix(1);
		while (!t.empty() && t.back() == ' ')
			t.remove_suffix(1);
		if (t.size() == token.size() && strncasecmp(t.data(), token.data(), t.size()) == 0)
			return true;
		if (c == std::string_view::npos)
			return false;
		v.remove_prefix(c + 1);
	}
}

bool parse(std::string_view m, Request &rq)
{
	if (m.size() < 4 || m.substr(m.size() - 4) != "\r\n\r\n")
		return false;
	m.remove_suffix(2);	// keep the last line's CRLF
	while (m.size() >= 2 && m.substr(0, 2) == "\r\n")
		m.remove_prefix(2);
	auto eol = m.find("\r\n");
	if (eol == std::string_view::npos)
		return false;
	std::string_view req = m.substr(0, eol);
	auto sp1 = req.find(' ');
	if (sp1 == std::string_view::npos || sp1 == 0)
		return false;
	for (std::size_t i = 0; i < sp1; i++)
		if (!tchar(req[i]))
			return false;
	auto sp2 = req.find(' ', sp1 + 1);
	if (sp2 == std::string_view::npos || sp2 == sp1 + 1 || req.size() - sp2 - 1 != 8 ||
	    req.substr(sp2 + 1, 7) != "HTTP/1." || (req[sp2 + 8] != '0' && req[sp2 + 8] != '1'))
		return false;
	rq.head = req.substr(0, sp1) == "HEAD";
	rq.keep = req[sp2 + 8] == '1';
	rq.body = 0;
	bool have_len = false;
	m.remove_prefix(eol + 2);
	while (!m.empty()) {
		eol = m.find("\r\n");
		if (eol == std::string_view::npos)
			return false;
		std::string_view line = m.substr(0, eol);
		m.remove_prefix(eol + 2);
		auto colon = line.find(':');
		if (colon == std::string_view::npos || colon == 0)
			return false;
		for (std::size_t i = 0; i < colon; i++)
			if (!tchar(line[i]))
				return false;
		std::string_view v = trim(line.substr(colon + 1));
		if (is_header(line, "Connection")) {
			if (has_token(v, "close"))
				rq.keep = false;
			else if (has_token(v, "keep-alive"))
				rq.keep = true;
		} else if (is_header(line, "Content-Length")) {
			if (have_len || v.empty() || v.size() > 20)
				return false;
			auto r = std::from_chars(v.data(), v.data() + v.size(), rq.body);
			if (r.ec != std::errc() || r.ptr != v.data() + v.size())
				return false;
			have_len = true;
		} else if (is_header(line, "Transfer-Encoding")) {
			return false;
		}
	}
	return true;
}

bool Session::feed(const char *data, std::size_t len, std::string &out)
{
	if (closed_)
		return false;
	if (skip_) {
		std::size_t n = std::min<std::uint64_t>(skip_, len);
		skip_ -= n;
		data += n;
		len -= n;
	}
	in_.append(data, len);
	std::size_t pos = 0;
	while (true) {
		auto end = in_.find("\r\n\r\n", pos);
		if (end == std::string::npos) {
			if (in_.size() - pos > max_header) {
				out += bad_request;
				closed_ = true;
				return false;
			}
			break;
		}
		Request rq;
		std::string_view block(in_.data() + pos, end + 4 - pos);
		pos = end + 4;
		if (!parse(block, rq)) {
			out += bad_request;
			closed_ = true;
			return false;
		}
		out += response(rq.keep, rq.head);
		if (!rq.keep) {
			closed_ = true;
			return false;
		}
		if (rq.body) {
			std::size_t n = std::min<std::uint64_t>(rq.body, in_.size() - pos);
			pos += n;
			skip_ = rq.body - n;
			if (skip_)
				break;
		}
	}
	in_.erase(0, pos);
	return true;
}

} // namespace ssb::http
