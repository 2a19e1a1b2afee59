import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

/** A request that reached the proxy: method, path and the body it carried. */
export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

/**
 * A pass-through HTTP proxy on 127.0.0.1 in front of a server, logging every request that
 * reaches it (so a test can say, from the server's side, what was sent). `hold(n)` lets `n` more
 * requests through and parks the rest until `release()`.
 */
export async function countingProxy(upstreamUrl: string) {
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
        requests.push({ method: req.method ?? "", path: req.url ?? "", body: body.toString("utf8") });
        const out = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (up) => {
            res.writeHead(up.statusCode ?? 500, up.headers);
            up.pipe(res);
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
