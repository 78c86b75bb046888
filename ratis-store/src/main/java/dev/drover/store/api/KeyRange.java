package dev.drover.store.api;

import com.google.protobuf.ByteString;
import java.util.Comparator;
import java.util.NavigableMap;

/** A key or key range with etcd's conventions: empty end = one key, "\0" end = open-ended. */
public final class KeyRange {
  /** Unsigned byte order, the order of every key in the store. */
  public static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

  private final ByteString start;
  private final ByteString end;

  private KeyRange(ByteString start, ByteString end) {
    this.start = start;
    this.end = end;
  }

  /** The range {@code [key, rangeEnd)}; callers validated that the end is not before the key. */
  public static KeyRange of(ByteString key, ByteString rangeEnd) {
    return new KeyRange(key, rangeEnd);
  }

  /** True when the range selects exactly one key. */
  public boolean single() {
    return end.isEmpty();
  }

  /** Whether {@code key} is inside the range. */
  public boolean contains(ByteString key) {
    if (end.isEmpty()) {
      return start.equals(key);
    }
    if (ORDER.compare(key, start) < 0) {
      return false;
    }
    return end.equals(Keys.ALL_FROM) || ORDER.compare(key, end) < 0;
  }

  /** Whether the two ranges share a key. */
  public boolean overlaps(KeyRange other) {
    if (single()) {
      return other.contains(start);
    }
    if (other.single()) {
      return contains(other.start);
    }
    // Both are intervals: [a, b) and [c, d) overlap when a < d and c < b.
    return lessThanEnd(start, other.end) && lessThanEnd(other.start, end);
  }

  private static boolean lessThanEnd(ByteString key, ByteString end) {
    return end.equals(Keys.ALL_FROM) || ORDER.compare(key, end) < 0;
  }

  /** The part of {@code map} inside the range. */
  public <V> NavigableMap<ByteString, V> slice(NavigableMap<ByteString, V> map) {
    if (end.isEmpty()) {
      return map.subMap(start, true, start, true);
    }
    if (end.equals(Keys.ALL_FROM)) {
      return map.tailMap(start, true);
    }
    if (ORDER.compare(end, start) <= 0) {
      return map.subMap(start, true, start, false);
    }
    return map.subMap(start, true, end, false);
  }
}
