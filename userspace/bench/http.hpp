// SPDX-License-Identifier: GPL-2.0
//
// The user-space HTTP responder's protocol: the same behaviour as the
// kernel's http handler (module/handlers/http.c) with its default
// configuration: one fixed response, keep-alive by default on HTTP/1.1,
// "Connection: close" honoured, Content-Length bodies skipped, HEAD answered
// with the header only, 400 and close on a malformed request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ssb::http {

// The response the kernel handler sends with no configuration.
const std::string &response(bool keep_alive, bool head);
extern const std::string_view bad_request;

struct Request {
	bool head = false;
	bool keep = false;
	std::uint64_t body = 0;
};

// Parse one request header block (ending in CRLF CRLF); false if malformed.
bool parse(std::string_view block, Request &rq);

// A connection's input: feed bytes, take the responses to send.  Returns
// false once the connection must close after @out is sent.
class Session {
public:
	bool feed(const char *data, std::size_t len, std::string &out);

private:
	std::string in_;
	std::uint64_t skip_ = 0;
	bool closed_ = false;
};

} // namespace ssb::http
