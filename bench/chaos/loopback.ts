/**
 * Preloaded (node --import) into the functions-framework process: its CLI has
 * no host option and would listen on every interface; this binds a
 * port-only listen() to 127.0.0.1 instead.
 */
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  const [port, next] = args;
  const portOnly = (typeof port === "number" || /^\d+$/.test(String(port))) && typeof next !== "string";
  const rest = portOnly ? [Number(port), "127.0.0.1", ...args.slice(1)] : args;
  return (listen as (...a: unknown[]) => net.Server).apply(this, rest);
} as typeof listen;
