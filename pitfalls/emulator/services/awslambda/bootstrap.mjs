// The local Lambda runtime for Node.js: one warm process per function version (functions.py).
// Requests arrive on stdin, one JSON line each; answers go to the file descriptor in
// PITFALLS_RESULT_FD, one JSON line each, with the log lines the invocation wrote. The process
// ends when stdin closes (the emulator stopped or dropped the worker).
import { existsSync, createWriteStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import util from "node:util";

const results = createWriteStream(null, { fd: Number(process.env.PITFALLS_RESULT_FD) });
const taskRoot = process.env.LAMBDA_TASK_ROOT;
const handlerSpec = process.env._HANDLER ?? "";
let current = null; // the running invocation: { requestId, logs }

// Lambda's Node.js log format: time, request id, level, message.
function emit(level, args) {
  const line = `${new Date().toISOString()}\t${current?.requestId ?? "undefined"}\t${level}\t` +
    `${util.format(...args)}\n`;
  if (current) current.logs.push(line);
  else process.stderr.write(line);
}
console.log = console.info = (...args) => emit("INFO", args);
console.warn = (...args) => emit("WARN", args);
console.error = (...args) => emit("ERROR", args);
console.debug = console.trace = (...args) => emit("DEBUG", args);
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    if (current) {
      current.logs.push(String(chunk));
      return true;
    }
    return write(chunk, ...rest);
  };
}

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

async function loadHandler() {
  const dot = handlerSpec.lastIndexOf(".");
  if (dot < 1) throw new RuntimeError("Runtime.MalformedHandlerName", "Bad handler");
  const modulePath = handlerSpec.slice(0, dot);
  const name = handlerSpec.slice(dot + 1);
  const base = path.resolve(taskRoot, modulePath);
  const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) {
    throw new RuntimeError("Runtime.ImportModuleError",
      `Error: Cannot find module '${modulePath}'`);
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    throw new RuntimeError("Runtime.ImportModuleError", `${err?.name}: ${err?.message}`);
  }
  const fn = mod[name] ?? mod.default?.[name];
  if (typeof fn !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound",
      `${modulePath}.${name} is undefined or not exported`);
  }
  return fn;
}

const handler = loadHandler();
handler.catch(() => {}); // reported by the first invocation

function errorOf(err) {
  const error = {
    errorType: err?.name ?? "Error",
    errorMessage: err?.message ?? String(err),
    trace: String(err?.stack ?? "").split("\n").filter(Boolean),
  };
  emit("ERROR", ["Invoke Error", JSON.stringify(error)]);
  return error;
}

async function invoke(request) {
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: request.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: request.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
  };
  current = { requestId: request.requestId, logs: [] };
  let answer;
  try {
    const fn = await handler;
    const result = await fn(request.event, context);
    answer = { ok: true, payload: JSON.stringify(result ?? null) };
  } catch (err) {
    answer = { ok: false, payload: JSON.stringify(errorOf(err)) };
  }
  answer.logs = current.logs.join("");
  current = null;
  results.write(JSON.stringify({ id: request.id, ...answer }) + "\n");
}

let queue = Promise.resolve(); // one invocation at a time, as in a Lambda execution environment
createInterface({ input: process.stdin })
  .on("line", (line) => {
    const request = JSON.parse(line);
    queue = queue.then(() => invoke(request));
  })
  .on("close", () => queue.then(() => process.exit(0)));
