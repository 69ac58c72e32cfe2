/** The local Prometheus for tests and benches; it lives in scripts/lib/ because `npm start` starts it too. */
export {
  prometheusBinary,
  requirePrometheus,
  startPrometheus,
  type LocalPrometheus,
} from "../../scripts/lib/prometheus.ts";
