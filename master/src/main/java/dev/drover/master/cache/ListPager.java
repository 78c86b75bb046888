package dev.drover.master.cache;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.function.Predicate;

/**
 * Lists a kind from the index in pages. The first page fixes a snapshot revision and each {@link
 * ContinueToken} carries it, so every page of one listing comes from the same state even while
 * writes go on (the index undoes the newer changes from its window).
 */
final class ListPager {
  private final ObjectIndex index;

  ListPager(ObjectIndex index) {
    this.index = index;
  }

  /**
   * One page of a kind's objects in {@code namespace} (all when empty) that pass {@code filter}, at
   * the current state ({@code rv} 0) or exactly revision {@code rv}, at most {@code limit} (0: no
   * limit), after where {@code continueToken} (if not empty) stopped and at its revision.
   *
   * @throws ExpiredException when the revision is older than the index's window
   * @throws IllegalArgumentException when the token was not issued by {@link ContinueToken}
   */
  WatchCache.Page page(
      Kind kind,
      String namespace,
      Predicate<Object> filter,
      long limit,
      String continueToken,
      long rv) {
    long snapshotRev = rv;
    String after = null;
    if (continueToken != null && !continueToken.isEmpty()) {
      ContinueToken t = ContinueToken.decode(continueToken);
      snapshotRev = t.revision();
      after = t.lastKey();
    }
    synchronized (index) {
      NavigableMap<String, Object> range = index.objectsAt(kind, snapshotRev);
      long at = snapshotRev <= 0 ? index.revision() : snapshotRev;
      if (!namespace.isEmpty()) {
        range = range.subMap(namespace + "\u0000", true, namespace + "\u0001", false);
      }
      if (after != null) {
        range = range.tailMap(after, false);
      }
      List<Object> items = new ArrayList<>();
      String last = null;
      long remaining = 0;
      for (var e : range.entrySet()) {
        if (!filter.test(e.getValue())) {
          continue;
        }
        if (limit > 0 && items.size() >= limit) {
          remaining++;
          continue;
        }
        items.add(e.getValue());
        last = e.getKey();
      }
      String token = remaining > 0 ? new ContinueToken(at, last).encode() : "";
      return new WatchCache.Page(items, at, token, remaining);
    }
  }
}
