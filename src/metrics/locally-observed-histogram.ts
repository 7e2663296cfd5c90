/**
 * A histogram whose series count in arrays of their own. prom-client's `observe` copies the label
 * set, checks it, joins it into a key and looks the series up on every observation, also through a
 * child bound with `labels(...)`; here a bound child adds to its series' bucket counts directly, and
 * the series are turned into prom-client's exposition values only when the metric is read. Every
 * `Histogram` method keeps prom-client's behaviour (the tests compare both on random operations);
 * exemplars are not supported.
 */
import {
  Histogram,
  type HistogramConfiguration,
  type LabelValues,
  type ObserveDataWithExemplar,
} from 'prom-client';

interface Series<L extends string> {
  labels: LabelValues<L>;
  /** Observations per bucket (not cumulative); the last one counts those above every bound. */
  counts: number[];
  sum: number;
  count: number;
  /** Shown when read: observed or zeroed since the last reset or removal, as prom-client does. */
  shown: boolean;
}

type HistogramValues<L extends string> = Awaited<ReturnType<Histogram<L>['get']>>;
/** A value before its series' labels are merged in (`get()` merges them, the registry's text does too). */
interface ExpositionValue<L extends string> {
  labels: Record<string, string | number>;
  sharedLabels: LabelValues<L>;
  value: number;
  metricName: string;
  /** prom-client's: null on a bucket, undefined on the sum and count. */
  exemplar: null | undefined;
}

/** What the registry reads (prom-client's typings leave this method out and type `type` as an enum). */
interface Exposition<L extends string> {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: HistogramValues<L>['aggregator'];
  values: ExpositionValue<L>[];
}

export class LocallyObservedHistogram<L extends string> extends Histogram<L> {
  private readonly bounds: number[];
  private readonly names: string[];
  private readonly sortedNames: string[];
  private readonly series = new Map<string, Series<L>>();
  /** The series read, in the order they were first shown (prom-client's order). */
  private shownOrder: Series<L>[] = [];

  /** Its buckets are named, not prom-client's defaults (which this class would otherwise repeat). */
  constructor(configuration: HistogramConfiguration<L> & { buckets: number[] }) {
    if ((configuration as { enableExemplars?: boolean }).enableExemplars)
      throw new Error('LocallyObservedHistogram does not support exemplars');
    super(configuration);
    this.bounds = [...configuration.buckets];
    this.names = [...(configuration.labelNames ?? [])];
    this.sortedNames = [...this.names].sort();
    // prom-client's constructor assigns `observe` to the instance, which would hide this class's.
    this.observe = LocallyObservedHistogram.prototype.observe;
    // Without labels, prom-client shows the one series from the start, zeros included.
    if (this.names.length === 0) this.zero({});
  }

  override observe(value: number): void;
  override observe(labels: LabelValues<L>, value: number): void;
  /** Observations with exemplars are refused: this class does not keep them. */
  override observe(observeData: ObserveDataWithExemplar<L>): void;
  override observe(first: unknown, second?: number): void {
    if (typeof first === 'object' && first !== null && 'exemplarLabels' in first)
      throw new Error('LocallyObservedHistogram does not support exemplars');
    const labels = typeof first === 'object' && first !== null ? (first as LabelValues<L>) : {};
    this.add(this.seriesOf(labels), typeof first === 'number' ? first : (second as number));
  }

  override labels(labels: LabelValues<L>): Histogram.Internal<L>;
  override labels(...values: string[]): Histogram.Internal<L>;
  override labels(...args: [LabelValues<L>] | string[]): Histogram.Internal<L> {
    const series = this.seriesOf(this.labelsOf(args));
    return {
      observe: (value) => this.add(series, value),
      startTimer: () => this.startTimer(series.labels),
    };
  }

  override startTimer(labels?: LabelValues<L>): (labels?: LabelValues<L>) => number {
    const start = process.hrtime.bigint();
    return (endLabels) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.observe({ ...labels, ...endLabels } as LabelValues<L>, seconds);
      return seconds;
    };
  }

  override zero(labels: LabelValues<L>): void {
    const series = this.seriesOf(labels);
    this.clear(series);
    if (!series.shown) this.show(series);
  }

  override remove(labels: LabelValues<L>): void;
  override remove(...values: string[]): void;
  override remove(...args: [LabelValues<L>] | string[]): void {
    const series = this.seriesOf(this.labelsOf(args));
    this.clear(series);
    series.shown = false;
    this.shownOrder = this.shownOrder.filter((shown) => shown !== series);
  }

  override reset(): void {
    // prom-client's constructor resets too, before this class's fields exist.
    for (const series of this.series?.values() ?? []) {
      this.clear(series);
      series.shown = false;
    }
    this.shownOrder = [];
  }

  override async get(): Promise<HistogramValues<L>> {
    const read = await this.getForPromString();
    const values = read.values.map(({ sharedLabels, ...value }) => ({
      ...value,
      labels: { ...value.labels, ...sharedLabels },
    }));
    return { ...read, values } as unknown as HistogramValues<L>;
  }

  /** What the registry formats: bucket values carry the series' labels apart, as prom-client's do. */
  async getForPromString(): Promise<Exposition<L>> {
    const collect = (this as { collect?: () => unknown }).collect;
    if (collect) await collect.call(this);
    const values: ExpositionValue<L>[] = [];
    for (const series of this.shownOrder) {
      let cumulative = 0;
      for (let index = 0; index < this.bounds.length; index++) {
        cumulative += series.counts[index]!;
        values.push(this.value({ le: this.bounds[index]! }, cumulative, '_bucket', series));
      }
      values.push(this.value({ le: '+Inf' }, series.count, '_bucket', series));
      values.push(this.value({}, series.sum, '_sum', series));
      values.push(this.value({}, series.count, '_count', series));
    }
    const { name, help, aggregator } = this as unknown as Exposition<L>;
    return { name, help, type: 'histogram', values, aggregator };
  }

  /** One exposition value, as prom-client builds it (a bucket's exemplar is null, the others' undefined). */
  private value(
    labels: ExpositionValue<L>['labels'],
    value: number,
    suffix: string,
    series: Series<L>,
  ): ExpositionValue<L> {
    const name = (this as unknown as { name: string }).name;
    const exemplar = suffix === '_bucket' ? null : undefined;
    return { labels, sharedLabels: series.labels, value, metricName: `${name}${suffix}`, exemplar };
  }

  private add(series: Series<L>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    series.counts[index]! += 1;
    series.sum += value;
    series.count += 1;
    if (!series.shown) this.show(series);
  }

  private show(series: Series<L>): void {
    series.shown = true;
    this.shownOrder.push(series);
  }

  private clear(series: Series<L>): void {
    series.counts.fill(0);
    series.sum = 0;
    series.count = 0;
  }

  private labelsOf(args: [LabelValues<L>] | string[]): LabelValues<L> {
    const [first] = args;
    if (typeof first === 'object') return first;
    if (args.length !== this.names.length) throw new Error('Invalid number of arguments');
    return Object.fromEntries(this.names.map((name, index) => [name, args[index]])) as LabelValues<L>;
  }

  /** The series of a label set, keyed as prom-client keys it (names sorted, undefined values left out). */
  private seriesOf(labels: LabelValues<L>): Series<L> {
    let key = '';
    for (const name of Object.keys(labels)) {
      if (!this.names.includes(name))
        throw new Error(
          `Added label "${name}" is not included in initial labelset: ${JSON.stringify(this.names)}`,
        );
    }
    for (const name of this.sortedNames) {
      const value = (labels as Record<string, string | number | undefined>)[name];
      if (value !== undefined) key += `${name}:${value},`;
    }
    let series = this.series.get(key);
    if (series === undefined) {
      series = {
        labels: { ...labels },
        counts: new Array<number>(this.bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
        shown: false,
      };
      this.series.set(key, series);
    }
    return series;
  }
}
