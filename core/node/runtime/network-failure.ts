/**
 * A failure to reach a server, in words with what to check, by the socket's error code: nothing
 * listening, a host name DNS does not know or could not look up, no answer in time, no route.
 * `where` is `host:port` as shown, `host` the name looked up. Null for any other code (the
 * caller's own words, or the server's message). Shared by every kind of connection (PostgreSQL,
 * MySQL), so they say the same thing for the same failure.
 */
export function explainNetworkFailure(code: string | undefined, where: string, host: string): string | null {
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing is listening on ${where} — is the server running, and is that its port?`;
    case 'ENOTFOUND':
      return `the host name '${host}' is not known (DNS found no such host) — check its spelling`;
    case 'EAI_AGAIN':
      return `the host name '${host}' could not be looked up (DNS did not answer) — check the network`;
    case 'ETIMEDOUT':
      return `no answer from ${where} in time — a firewall may drop the connection, or the host is not the right one`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `there is no network route to ${where} — check the host and the network (VPN?)`;
    default:
      return null;
  }
}
