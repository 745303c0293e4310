// The application the pipeline ships: a small health endpoint.
// Async handler, no bundled AWS SDK: Node.js 18+ Lambda runtimes ship SDK v3 only, and
// Node.js 24 drops callback-style handlers.

export const handler = async (event = {}) => {
  const version = process.env.AWS_LAMBDA_FUNCTION_VERSION ?? "$LATEST";
  const stage = process.env.APP_STAGE ?? "dev";
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ok: true, stage, version, path: event.rawPath ?? "/" }),
  };
};
