package dev.drover.store.api;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;

/** Helpers for keys and ranges, with etcd's conventions. */
public final class Keys {
  /** A range end meaning "every key from the start key on". */
  public static final ByteString ALL_FROM = ByteString.copyFrom(new byte[] {0});

  private Keys() {}

  /** UTF-8 bytes of a string key or value. */
  public static ByteString of(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  /**
   * The smallest key greater than every key starting with {@code prefix}: the range end that
   * selects the prefix. An empty or all-0xff prefix selects everything ({@link #ALL_FROM}).
   */
  public static ByteString prefixEnd(ByteString prefix) {
    byte[] b = prefix.toByteArray();
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] != (byte) 0xff) {
        byte[] end = new byte[i + 1];
        System.arraycopy(b, 0, end, 0, i + 1);
        end[i]++;
        return ByteString.copyFrom(end);
      }
    }
    return ALL_FROM;
  }
}
