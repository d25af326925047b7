// SPDX-License-Identifier: GPL-2.0
//
// The help pages.  Documentation/man/syncsockctl.8.rst says the same at
// length; keep the two in step.
#include "cli.hpp"

namespace syncsock::cli {

std::string help_text(Topic topic)
{
	switch (topic) {
	case Topic::main:
		return R"(Usage: syncsockctl [OPTIONS] OBJECT COMMAND [ARGS]

OBJECT := { listener | pair | handler | stats | version | help }
OPTIONS := { -j|--json | -p|--pretty | -d|--device PATH | -V|--version |
             -h|--help }

  syncsockctl listener add ADDR:PORT handler NAME [config STRING] [backlog N]
                           [max-conns N] [txq-limit BYTES] [close-timeout MS]
                           [idle-timeout MS|off] [msg-timeout MS|off]
                           [user-timeout MS|off] [freebind] [v6only]
  syncsockctl listener del ID [abort]
  syncsockctl listener list
  syncsockctl listener show ID
  syncsockctl pair list [listener ID]
  syncsockctl handler list
  syncsockctl stats [ID] [--per-cpu] [--watch [SECONDS]] [--count N]
  syncsockctl version

  -j, --json         print JSON, and only JSON, on stdout (errors too)
  -p, --pretty       print indented JSON (implies --json)
  -d, --device PATH  the control device (default /dev/syncsock)
  -V, --version      print syncsockctl's version and exit
  -h, --help         print help ('syncsockctl OBJECT help' for one object)

Exit status: 0 done, 1 usage error, 2 the kernel refused or failed.
See syncsockctl(8).
)";
	case Topic::listener:
		return R"(Usage: syncsockctl listener add ADDR:PORT handler NAME [config STRING]
                                [backlog N] [max-conns N] [txq-limit BYTES]
                                [close-timeout MS] [idle-timeout MS|off]
                                [msg-timeout MS|off] [user-timeout MS|off]
                                [freebind] [v6only]
       syncsockctl listener del ID [abort]
       syncsockctl listener list
       syncsockctl listener show ID

  add    create a listener in this network namespace; prints its id
         ADDR:PORT      192.0.2.1:80, [2001:db8::1]:80, [fe80::1%eth0]:80,
                        any:80 or *:80 (all IPv4), [::]:80 (all IPv6),
                        localhost:80; or ADDR port PORT
         handler NAME   the handler that serves the connections
                        (syncsockctl handler list)
         config STRING  the handler's configuration, one word (quote it)
         backlog N      listen() backlog, 1-65535 (default 128)
         max-conns N    connections at once, 1-1000000 (default 65536)
         txq-limit BYTES  bytes queued for sending per connection, 1-64m;
                        k, m suffixes are KiB, MiB (default 256k)
         close-timeout MS  how long a graceful close may wait for queued
                        data, 1-600000 ms; Ns for seconds (default 5000)
         idle-timeout MS|off  close a connection that neither receives nor
                        sends for this long, 1-86400000 ms, or off for
                        never (default 300000)
         msg-timeout MS|off  reset a connection whose message (handlers that
                        frame their input) is not whole this long after its
                        first byte, 1-86400000 ms, or off (default 30000)
         user-timeout MS|off  TCP_USER_TIMEOUT: end a connection whose sent
                        data stays unacknowledged this long, 1-86400000 ms,
                        or off for TCP's own retries (default 60000)
         freebind       listen on an address not (yet) configured here
         v6only         with [::], IPv6 only
  del    delete a listener: it stops listening at once, its connections
         send what they have queued, then close; 'abort' resets them
  list   the listeners of this network namespace
  show   one listener and its counters
)";
	case Topic::pair:
		return R"(Usage: syncsockctl pair list [listener ID]

  list   the pairs of this network namespace's listeners, or of listener ID
         only: a connection a listener accepted and the outbound connection
         its handler opened for it (the proxy handler's, to a backend), each
         forwarding what it receives to the other
         LISTENER     the listener both belong to
         CLIENT       the peer of the accepted connection
         LOCAL        the address the client connected to
         SOURCE       the local address of the outbound connection
         BACKEND      the peer of the outbound connection
         UP-QUEUED    bytes waiting to be sent to the backend
         DOWN-QUEUED  bytes waiting to be sent to the client
         STATE        connecting (the backend's connect is pending), paused
                      (the client is not read until that connect is done
                      and while the queue toward the backend is full),
                      closing (one side is closing), or -
)";
	case Topic::handler:
		return R"(Usage: syncsockctl handler list

  list   the registered handlers, the module providing each and how many
         listeners use it
)";
	case Topic::stats:
		return R"(Usage: syncsockctl stats [ID] [--per-cpu] [--watch [SECONDS]] [--count N]

  ID                the counters of listener ID; without it, the module's
                    (every listener of every namespace, past and present)
  --per-cpu         also the counters of each CPU (those not all zero)
  --watch [SECONDS] print rates per second every SECONDS (default 1)
                    until interrupted
  --count N         stop after N samples (implies --watch)
)";
	case Topic::version:
		return R"(Usage: syncsockctl version

  the versions of syncsockctl, libsyncsock and the loaded module, and the
  ABI each speaks
)";
	}
	return {};
}

} // namespace syncsock::cli
