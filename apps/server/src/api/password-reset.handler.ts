/**
 * Password resets by email (docs/auth.md "Invitations and password resets"), both public:
 *   POST /api/v1/password-reset         {email}    → 202, the same answer whether or not it is known
 *   POST /api/v1/password-reset/:token  {password} → 200 {username}; the user's sessions end
 */
import type { Services } from "../domain/services.ts";
import { clientAddress } from "../http/client-address.ts";
import type { Handler } from "../http/router.ts";
import { readJsonObject, sendPrivateJson, stringField } from "./json-request.ts";

const REQUESTED =
  "If an account with a password has this email, a link to reset it is on its way. It works once, for an hour.";

export function requestPasswordResetHandler(services: Services): Handler {
  return async (req, res) => {
    const body = await readJsonObject(req);
    await services.passwordResets.request(stringField(body, "email"), clientAddress(req));
    sendPrivateJson(res, 202, { message: REQUESTED });
  };
}

export function completePasswordResetHandler(services: Services): Handler {
  return async (req, res, params) => {
    const body = await readJsonObject(req);
    const user = await services.passwordResets.complete(
      params.token ?? "",
      stringField(body, "password"),
      clientAddress(req),
    );
    sendPrivateJson(res, 200, { username: user.username });
  };
}
