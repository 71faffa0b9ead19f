import { notFound } from "../ocpi/errors.js";
import { COMMAND_SCHEMAS, CommandResultSchema, CommandType } from "../ocpi/schemas/commands.js";
import type { FunctionalModuleSpec } from "./module-spec.js";

const isCommandType = (value: string): value is CommandType =>
  (CommandType.options as readonly string[]).includes(value);

/** mod_commands: an eMSP's commands to a CPO; the result comes back on a hub callback URL. */
export const commands: FunctionalModuleSpec = {
  kind: "functional",
  id: "commands",
  roles: { SENDER: ["EMSP"], RECEIVER: ["CPO"] },
  operations: {
    RECEIVER: [
      {
        method: "POST",
        pattern: "/{command}",
        checkParams: ({ command }) => {
          if (!isCommandType(command ?? "")) {
            throw notFound(
              `unknown command ${command}; commands are ${CommandType.options.join(", ")}`,
            );
          }
        },
        body: (params) => COMMAND_SCHEMAS[params.command as CommandType],
        open: "command",
        responseUrl: "body",
        hint: "reservation",
      },
    ],
    SENDER: [{ method: "POST", pattern: "/{callback_id}", open: "none", local: "callback" }],
  },
  callback: {
    purpose: (_method, params) => params.command ?? "",
    result: () => CommandResultSchema,
  },
};
