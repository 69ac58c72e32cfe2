/**
 * FAKE: the DCGM / TPU metrics exporter the utilization tests script. It
 * lives in testbed/prometheus/ so the bench (which never imports test/) can
 * serve the same series; tests import it from here, under its fake's name.
 */
export {
  FakeAcceleratorExporter as FakeDcgmExporter,
  GPU_UTIL_METRIC,
  TPU_DUTY_CYCLE_METRIC,
  TPU_TENSORCORE_METRIC,
} from "../../testbed/prometheus/fake-accelerator-exporter.ts";
