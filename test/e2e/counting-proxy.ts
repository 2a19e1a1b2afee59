import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

/** A request that reached the proxy: method, path and the body it carried. */
export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

/** How a proxy may stand in for a different server than the one behind it. */
export interface ProxyChanges {
  /** An answer of its own for a request (e.g. a 404 for a route an older server lacks), else undefined. */
  answer?: (request: ProxiedRequest) => { status: number; body: string } | undefined;
  /** Rewrites every forwarded answer's body (e.g. to drop a field an older server does not send). */
  rewrite?: (body: string) => string;
}

/**
 * A pass-through HTTP proxy on 127.0.0.1 in front of a server, logging every request that
 * reaches it (so a test can say, from the server's side, what was sent). `hold(n)` lets `n` more
 * requests through and parks the rest until `release()`; `changes` make it answer as another server.
 */
export async function countingProxy(upstreamUrl: string, changes: ProxyChanges = {}) {
  const upstream = new URL(upstreamUrl);
  const requests: ProxiedRequest[] = [];
  let allowance = Number.POSITIVE_INFINITY;
  const parked: (() => void)[] = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const forward = () => {
        const request = { method: req.method ?? "", path: req.url ?? "", body: body.toString("utf8") };
        requests.push(request);
        const own = changes.answer?.(request);
        if (own) {
          res.writeHead(own.status, { "content-type": "application/json" });
          return res.end(own.body);
        }
        const out = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (up) => {
            const { rewrite } = changes;
            if (!rewrite) {
              res.writeHead(up.statusCode ?? 500, up.headers);
              return up.pipe(res);
            }
            const parts: Buffer[] = [];
            up.on("data", (part: Buffer) => parts.push(part));
            up.on("end", () => {
              // The body's length changes, so none of the upstream's framing headers can be kept.
              res.writeHead(up.statusCode ?? 500, { "content-type": "application/json" });
              res.end(rewrite(Buffer.concat(parts).toString("utf8")));
            });
          },
        );
        out.on("error", () => res.destroy());
        out.end(body);
      };
      if (allowance > 0) {
        allowance--;
        forward();
      } else parked.push(forward);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1`,
    requests,
    /** The requests so far as "METHOD path", for a test to compare with what it expects sent. */
    sent: () => requests.map((r) => `${r.method} ${r.path}`),
    /** Lets `n` more requests through; later ones wait for `release`. */
    hold(n: number) {
      allowance = n;
    },
    /** How many requests are parked. */
    get parked() {
      return parked.length;
    },
    /** Forwards the parked requests and lets every later one through. */
    release() {
      allowance = Number.POSITIVE_INFINITY;
      for (const forward of parked.splice(0)) forward();
    },
    /** Forgets the parked requests (their client is gone) and lets every later one through. */
    drop() {
      allowance = Number.POSITIVE_INFINITY;
      parked.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}
