import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.js";
import { hubError } from "../ocpi/errors.js";
import { Header } from "../ocpi/headers.js";
import { carriesMark, hubPseudonym } from "../ocpi/loop-mark.js";
import { requestLog } from "./request-context.js";

/**
 * Refuses, with 4000, a request that carries this hub's Via mark: the hub
 * sent it, and it came back, because a platform listed the hub (or a proxy
 * in front of it) as its own endpoint. Answering it would start the next
 * round of a forwarding loop; refusing it ends the loop after one hop.
 * Runs before authentication: a looping request carries a valid token.
 */
export function loopGuard(hubUrl: string) {
  const pseudonym = hubPseudonym(hubUrl);
  return createMiddleware<AppEnv>(async (c, next) => {
    const via = c.req.header(Header.via);
    if (via !== undefined && carriesMark(via, pseudonym)) {
      requestLog(c).warn(
        { via, method: c.req.method, path: c.req.path },
        "forwarding loop: a request the hub sent came back to it",
      );
      throw hubError(
        "forwarding loop: this request was sent by this hub and came back to it (Via); an endpoint of the receiving platform leads back to the hub",
      );
    }
    await next();
  });
}
