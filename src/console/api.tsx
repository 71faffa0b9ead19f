import { ADMIN_OPERATIONS } from "../admin/openapi.js";
import { Csrf, Notice, Page } from "./layout.js";
import type { ConsoleSession } from "./session.js";

/** What a "try it" form sent and the admin API's answer. */
export interface Tried {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/**
 * The admin API reference, interactive: every operation of the OpenAPI
 * document with a form that sends it as the logged-in operator (through
 * the same routes, validation and audit as a bearer-token call).
 */
export function ApiScreen(props: { session: ConsoleSession; tried?: Tried; error?: string }) {
  const { tried } = props;
  return (
    <Page title="Admin API" session={props.session} screen="api">
      <p>
        The OpenAPI 3.1 document: <code>GET /admin/openapi.json</code> (with the admin token). Each
        operation below can be sent from here; changes are audited under your name.
      </p>
      {props.error !== undefined && <Notice error>{props.error}</Notice>}
      {tried !== undefined && (
        <section aria-label="Answer">
          <h2>
            {tried.method} /admin{tried.path}: {tried.status}
          </h2>
          <pre data-field="answer">{JSON.stringify(tried.body, null, 2)}</pre>
        </section>
      )}
      {ADMIN_OPERATIONS.map((op, i) => (
        <details>
          <summary>
            <code>
              {op.method} /admin{op.path}
            </code>{" "}
            {op.summary}
          </summary>
          <form method="post" action="/console/api">
            <Csrf session={props.session} />
            <input type="hidden" name="method" value={op.method} />
            <label for={`api-path-${i}`}>Path under /admin</label>
            <input id={`api-path-${i}`} name="path" value={op.path} />
            {op.method === "POST" && (
              <>
                <label for={`api-body-${i}`}>JSON body</label>
                <textarea id={`api-body-${i}`} name="body" rows={4}>
                  {op.body === undefined ? "" : "{}"}
                </textarea>
              </>
            )}
            <div>
              <button type="submit">Send</button>
            </div>
          </form>
        </details>
      ))}
    </Page>
  );
}
