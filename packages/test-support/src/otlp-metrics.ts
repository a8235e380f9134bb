import { eachField, keyValue } from "./otlp-spans.js";

/** One histogram data point as an OTLP/HTTP receiver got it (ExportMetricsServiceRequest, protobuf). */
export interface ReceivedHistogramPoint {
  name: string;
  unit: string;
  attributes: Record<string, string | number | boolean>;
  count: number;
  sum: number;
}

function histogramPoint(bytes: Uint8Array, name: string, unit: string): ReceivedHistogramPoint {
  const point: ReceivedHistogramPoint = { name, unit, attributes: {}, count: 0, sum: 0 };
  eachField(bytes, (no, _type, r) => {
    if (no === 9) {
      const [key, value] = keyValue(r.bytes());
      point.attributes[key] = value;
    } else if (no === 4) point.count = Number(r.fixed64());
    else if (no === 5) point.sum = r.double();
    else return false;
    return true;
  });
  return point;
}

/** The histogram data points of an OTLP metrics export (resource → scope → metric → histogram → points). */
export function decodeOtlpMetricsProtobuf(body: Uint8Array): ReceivedHistogramPoint[] {
  const points: ReceivedHistogramPoint[] = [];
  const metric = (bytes: Uint8Array) => {
    let name = "";
    let unit = "";
    const histograms: Uint8Array[] = [];
    eachField(bytes, (no, _type, r) => {
      if (no === 1) name = r.string();
      else if (no === 3) unit = r.string();
      else if (no === 9) histograms.push(r.bytes());
      else return false;
      return true;
    });
    for (const histogram of histograms)
      eachField(histogram, (no, _type, r) => (no === 1 ? (points.push(histogramPoint(r.bytes(), name, unit)), true) : false));
  };
  eachField(body, (no, _type, r) => {
    if (no !== 1) return false;
    eachField(r.bytes(), (rno, _t, rm) => {
      if (rno !== 2) return false;
      eachField(rm.bytes(), (sno, _s, sm) => (sno === 2 ? (metric(sm.bytes()), true) : false));
      return true;
    });
    return true;
  });
  return points;
}
