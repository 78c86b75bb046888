package dev.drover.master.cache;

import java.util.concurrent.ThreadFactory;

/** Names the cache's threads; they are daemons so a cache left open never keeps the JVM alive. */
final class CacheThreads {
  private CacheThreads() {}

  /** A factory of daemon threads called {@code name}. */
  static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
