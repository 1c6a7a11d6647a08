import type { PurgeProgress } from '../../src/domain/ports.js';
import type { PurgeRequestRecord } from '../../src/domain/request/request.js';
import type { RunNote, RunReporter } from '../../src/domain/run-ports.js';

/** Every call a run made to its reporter, by kind, in order. */
export class RecordingReporter implements RunReporter {
  readonly calls: [string, number][] = [];
  readonly notes: (RunNote | null)[] = [];
  readonly figures: PurgeProgress[] = [];

  queued(request: PurgeRequestRecord): void {
    this.calls.push(['queued', request.id]);
  }
  started(request: PurgeRequestRecord): void {
    this.calls.push(['started', request.id]);
  }
  progress(_request: PurgeRequestRecord, progress: PurgeProgress): void {
    this.figures.push(progress);
  }
  note(_request: PurgeRequestRecord, note: RunNote | null): void {
    this.notes.push(note);
  }
  finished(request: PurgeRequestRecord): void {
    this.calls.push([`finished:${request.state}`, request.id]);
  }
  unresponsive(request: PurgeRequestRecord): void {
    this.calls.push(['unresponsive', request.id]);
  }
  recovered(request: PurgeRequestRecord): void {
    this.calls.push(['recovered', request.id]);
  }
}
