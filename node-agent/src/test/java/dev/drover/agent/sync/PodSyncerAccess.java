package dev.drover.agent.sync;

import java.io.IOException;
import java.nio.file.Path;

/** Test access to package-private helpers of the sync package. */
public final class PodSyncerAccess {
  private PodSyncerAccess() {}

  public static void deleteTree(Path dir) throws IOException {
    PodFiles.deleteTree(dir);
  }
}
