package dev.drover.store.mvcc;

/**
 * The automatic compaction policy: keep at least the last {@code retain} revisions of history, and
 * compact in steps of a tenth of that so compaction runs rarely. In a replicated store only the
 * leader evaluates it and proposes the result as an ordinary compaction entry, so replicas never
 * need the same configuration to stay identical.
 */
public final class AutoCompaction {
  private AutoCompaction() {}

  /** The revision to compact to now, or 0 when nothing should be compacted. */
  public static long target(long revision, long compactRevision, long retain) {
    if (retain <= 0) {
      return 0;
    }
    long step = Math.max(1, retain / 10);
    long target = revision - retain;
    return target - compactRevision >= step && target > 0 ? target : 0;
  }
}
