/// Samples read from Prometheus' text exposition format (what `/metrics` serves).
struct PrometheusText: Sendable {
    /// One sample: a metric name, its labels and its value.
    struct Sample: Sendable {
        var name: Substring
        var labels: [Substring: Substring]
        var value: Double
    }

    private(set) var samples: [Sample] = []

    /// Reads `text`; lines it cannot read (comments, malformed ones) are skipped.
    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                samples.append(Sample(name: series, labels: [:], value: value))
                continue
            }
            guard series.last == "}" else { continue }
            samples.append(Sample(name: series[..<brace], labels: Self.labels(series[series.index(after: brace)..<series.index(before: series.endIndex)]), value: value))
        }
    }

    /// The samples of the metric `name`.
    func samples(_ name: String) -> [Sample] {
        samples.filter { $0.name == name }
    }

    /// `a="1",b="2"` as a dictionary (label values hold no quotes in our metrics).
    private static func labels(_ text: Substring) -> [Substring: Substring] {
        var labels: [Substring: Substring] = [:]
        for pair in text.split(separator: ",") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            labels[pair[..<equals]] = pair[pair.index(after: equals)...].dropFirst().dropLast()
        }
        return labels
    }
}

/// Calls, errors and latency of one group of calls (a connector type, or a connector), from
/// the invoke counters and duration histogram.
struct CallFigures: Sendable {
    var calls = 0.0
    var errors = 0.0
    var durationSum = 0.0
    var durationCount = 0.0
    /// Cumulative histogram buckets: upper bound in seconds → count.
    var buckets: [(bound: Double, count: Double)] = []

    var meanMilliseconds: Double? { durationCount > 0 ? durationSum / durationCount * 1000 : nil }

    /// The bucket bound under which `fraction` of the calls finished, in milliseconds.
    func percentileMilliseconds(_ fraction: Double) -> Double? {
        guard durationCount > 0 else { return nil }
        let wanted = durationCount * fraction
        return buckets.sorted { $0.bound < $1.bound }.first { $0.count >= wanted }.map { $0.bound * 1000 }
    }

    /// Figures by the value of `label`, from `junction_invoke_total` (outcome `ok` or an error
    /// code) and `junction_invoke_duration_seconds`.
    static func byLabel(_ label: Substring, in metrics: PrometheusText, calls: String, duration: String) -> [String: CallFigures] {
        var figures: [String: CallFigures] = [:]
        for sample in metrics.samples(calls) {
            guard let key = sample.labels[label] else { continue }
            figures[String(key), default: CallFigures()].calls += sample.value
            if sample.labels["outcome"] != "ok" { figures[String(key), default: CallFigures()].errors += sample.value }
        }
        for sample in metrics.samples(duration + "_sum") {
            guard let key = sample.labels[label] else { continue }
            figures[String(key), default: CallFigures()].durationSum += sample.value
        }
        for sample in metrics.samples(duration + "_count") {
            guard let key = sample.labels[label] else { continue }
            figures[String(key), default: CallFigures()].durationCount += sample.value
        }
        for sample in metrics.samples(duration + "_bucket") {
            guard let key = sample.labels[label], let bound = sample.labels["le"].flatMap({ Double($0) }) else { continue }
            figures[String(key), default: CallFigures()].buckets.append((bound, sample.value))
        }
        return figures
    }
}
