import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { JobSchema, type Job } from './job';
import { describeParseError } from '../jsonLocate';
import { writeFileAtomic } from '../fsAtomic';
import { watchFolder } from '../watchFolder';
import { removeStaleScratchDirs, removeStaleTemps } from '../staleFiles';

export interface StoreProblem {
  path: string;
  message: string;
}

/**
 * File-backed job store shared by the extension and the CLI: `<home>/jobs/<id>/job.json`.
 * Every write is atomic; a corrupt job file is reported as a problem and skipped, never fatal.
 */
export class JobStore {
  private readonly locks = new Map<string, Promise<unknown>>();
  private sweeping: Promise<number> | undefined;

  constructor(readonly home: string) {}

  get jobsDir(): string {
    return join(this.home, 'jobs');
  }

  jobDir(id: string): string {
    return join(this.jobsDir, id);
  }

  /** A cross-process lock file in the store (see lockFile.ts). */
  lockPath(name: string): string {
    return join(this.home, 'locks', `${name}.lock`);
  }

  /** Held by the process submitting an input (by its SHA-256) for as long as that submit runs. */
  submitLockPath(inputSha256: string): string {
    return this.lockPath(`submit-${inputSha256.slice(0, 32)}`);
  }

  private jobFile(id: string): string {
    return join(this.jobDir(id), 'job.json');
  }

  /** A new id: sortable by creation day, short enough to type. */
  newId(now = new Date()): string {
    const day = now.toISOString().slice(0, 10).replace(/-/g, '');
    return `bw-${day}-${randomBytes(4).toString('hex').slice(0, 6)}`;
  }

  /**
   * Removes what killed processes left: temp files in the job folders and the lock folder, scratch folders in the
   * system temp folder. Started (in the background) by the first `list` of a process.
   */
  async sweepStale(): Promise<number> {
    const names = await readdir(this.jobsDir).catch(() => [] as string[]);
    let removed = await removeStaleScratchDirs();
    removed += await removeStaleTemps(join(this.home, 'locks'));
    for (const name of names) if (!name.startsWith('.')) removed += await removeStaleTemps(this.jobDir(name));
    return removed + (await removeStaleTemps(this.jobsDir));
  }

  async list(): Promise<{ jobs: Job[]; problems: StoreProblem[] }> {
    this.sweeping ??= this.sweepStale().catch(() => 0);
    let names: string[];
    try {
      names = await readdir(this.jobsDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { jobs: [], problems: [] };
      throw err;
    }
    const jobs: Job[] = [];
    const problems: StoreProblem[] = [];
    await Promise.all(
      names
        .filter((n) => !n.startsWith('.'))
        .map(async (name) => {
          const r = await this.read(name);
          if (r.job) jobs.push(r.job);
          else if (r.problem) problems.push(r.problem);
        }),
    );
    jobs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
    return { jobs, problems };
  }

  private async read(id: string): Promise<{ job?: Job; problem?: StoreProblem }> {
    const path = this.jobFile(id);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A folder without job.json is a job being created (or a stray folder): not a problem.
      if (code === 'ENOENT' || code === 'ENOTDIR') return {};
      return { problem: { path, message: `cannot read: ${(err as Error).message}` } };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // Where, not what: V8's message quotes the file's bytes, which may be anything.
      return { problem: { path, message: `not valid JSON (${whereJsonBreaks(text)}); the file was left as it is` } };
    }
    const parsed = JobSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // zod quotes the value it received in some messages: the field and what was expected are enough.
      return { problem: { path, message: `not a Batchwise job: ${issue?.path.join('.') || '(root)'}: ${issue?.message.replace(/,? received .*$/s, '')}` } };
    }
    return { job: parsed.data };
  }

  async get(id: string): Promise<Job | undefined> {
    return (await this.read(id)).job;
  }

  /**
   * Finds a job by id, unique id prefix, or name; throws a message that says what matched. A job whose job.json
   * cannot be read is named with what is wrong with it, never reported as missing or silently passed over for
   * another job that shares the prefix.
   */
  async resolve(ref: string): Promise<Job> {
    // A job id is one folder name: a path (../x, a/b) is never looked up directly.
    const isFolderName = ref !== '' && ref !== '.' && ref !== '..' && !/[\\/]/.test(ref);
    if (isFolderName) {
      const direct = await this.read(ref);
      if (direct.job) return direct.job;
      if (direct.problem) throw new Error(`job ${ref} cannot be read: ${direct.problem.path}: ${direct.problem.message}. Repair or restore that file, or remove the folder ${this.jobDir(ref)} to forget the job (its remote batch is not affected)`);
    }
    const { jobs, problems } = await this.list();
    const brokenIds = problems.map((p) => basename(dirname(p.path)));
    if (ref && brokenIds.some((id) => id.startsWith(ref)) && jobs.some((j) => j.id.startsWith(ref))) {
      throw new Error(`"${ref}" also matches a job that cannot be read (${brokenIds.filter((id) => id.startsWith(ref)).join(', ')}): give the full id`);
    }
    const byPrefix = jobs.filter((j) => j.id.startsWith(ref));
    if (byPrefix.length === 1) return byPrefix[0]!;
    const brokenMatches = problems.filter((p) => basename(dirname(p.path)).startsWith(ref));
    if (ref && byPrefix.length === 0 && brokenMatches.length > 0 && !jobs.some((j) => j.name === ref)) {
      const [first] = brokenMatches;
      throw new Error(
        `"${ref}" matches only ${brokenMatches.length === 1 ? 'a job that cannot be read' : `${brokenMatches.length} jobs that cannot be read`}: ${first!.path}: ${first!.message}. ` +
          `Repair or restore that file, or remove its folder to forget the job (its remote batch is not affected)`,
      );
    }
    const byName = jobs.filter((j) => j.name === ref);
    if (byName.length === 1) return byName[0]!;
    const matches = byPrefix.length > 1 ? byPrefix : byName;
    if (matches.length > 1) {
      throw new Error(`"${ref}" matches ${matches.length} jobs (${matches.slice(0, 5).map((j) => j.id).join(', ')}): give more of the id`);
    }
    throw new Error(`no job "${ref}" in ${this.jobsDir} (see: batchwise list)`);
  }

  async save(job: Job): Promise<void> {
    const valid = JobSchema.parse(job);
    await writeFileAtomic(this.jobFile(job.id), JSON.stringify(valid, null, 2) + '\n');
  }

  /** Read-modify-write of one job, serialized within this process so concurrent updates are not lost. */
  async update(id: string, change: (job: Job) => Job): Promise<Job> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(async () => {
      const job = await this.get(id);
      if (!job) throw new Error(`job ${id} is not in the store any more`);
      const updated = { ...change(job), updatedAt: new Date().toISOString() };
      await this.save(updated);
      return updated;
    });
    this.locks.set(id, next.catch(() => undefined));
    return next;
  }

  /** Removes the job from the local list (and its local files); the remote batch is untouched. */
  async remove(id: string): Promise<void> {
    await rm(this.jobDir(id), { recursive: true, force: true });
  }

  /**
   * Calls `onChange` (debounced) when any job file changes, e.g. a job submitted from the CLI.
   * Returns a disposer. Falls back to nothing where the platform cannot watch (the poller still refreshes).
   */
  watch(onChange: () => void, debounceMs = 250): { dispose(): void } {
    return watchFolder(this.jobsDir, onChange, debounceMs);
  }
}

/** "unexpected character at line 3, column 7" for a job file JSON.parse rejected. */
function whereJsonBreaks(text: string): string {
  if (text.trim() === '') return 'the file is empty';
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const offset = errors[0]?.offset ?? 0;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const problem = errors[0] ? describeParseError(printParseErrorCode(errors[0].error)) : 'invalid JSON';
  return `${problem} at line ${line}, column ${column}`;
}
