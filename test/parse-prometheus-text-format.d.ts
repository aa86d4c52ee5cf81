// The parser ships no types: the part of its result the tests read.
declare module 'parse-prometheus-text-format' {
  /** One metric family of the Prometheus text format, as the parser returns it. */
  interface MetricFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'HISTOGRAM' | 'UNTYPED';
    metrics: { value?: string; labels?: Record<string, string> }[];
  }
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
