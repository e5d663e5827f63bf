/** Prometheus gauges of how far monitoring is behind the trail, read from the runner at each scrape. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MonitoringRunner } from './runner.ts';

export function watchMonitoring(registry: Registry, runner: MonitoringRunner): void {
  new Gauge({ name: 'ntk_monitoring_lag_events', help: 'Trail events not yet read by privacy monitoring', registers: [registry], collect() { this.set(runner.lag.events); } });
  new Gauge({ name: 'ntk_monitoring_lag_seconds', help: 'Age of the oldest trail event not yet read by privacy monitoring', registers: [registry], collect() { this.set(runner.lag.seconds); } });
  new Counter({ name: 'ntk_monitoring_events_total', help: 'Trail events read by privacy monitoring in this process', registers: [registry], collect() { this.reset(); this.inc(runner.eventsRead); } });
  new Counter({ name: 'ntk_monitoring_cases_total', help: 'Cases opened by privacy monitoring in this process', registers: [registry], collect() { this.reset(); this.inc(runner.casesOpened); } });
}
