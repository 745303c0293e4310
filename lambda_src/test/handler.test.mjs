import assert from "node:assert/strict";
import { test } from "node:test";

import { handler } from "../src/index.mjs";

test("answers 200 with a JSON body", async () => {
  const res = await handler({ rawPath: "/health" });
  assert.equal(res.statusCode, 200);
  const body = JSON.parse(res.body);
  assert.equal(body.ok, true);
  assert.equal(body.path, "/health");
});

test("reports the stage it runs in", async () => {
  process.env.APP_STAGE = "prod";
  const body = JSON.parse((await handler()).body);
  assert.equal(body.stage, "prod");
  delete process.env.APP_STAGE;
});
