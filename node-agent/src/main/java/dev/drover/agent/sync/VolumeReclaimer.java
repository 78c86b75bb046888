package dev.drover.agent.sync;

import dev.drover.api.v1.PersistentVolume;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes from the node the data of deleted provisioned volumes (reclaim policy Delete): at every
 * interval it asks the masters which volumes of this node are to go, deletes each one's directory
 * under the data directory and confirms it, which lets the PersistentVolume object go. The masters
 * hand out a volume only once no pod that may still run uses it; a directory that cannot be removed
 * is tried again at the next round, and its volume stays Terminating until then. Volumes kept by
 * reclaim policy Retain are never handed out, so their directories stay.
 */
public final class VolumeReclaimer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VolumeReclaimer.class);

  /** The two calls to the masters (the node session makes them over NodeService). */
  public interface Masters {
    /** The deleted provisioned volumes of this node whose directories are to be removed. */
    List<PersistentVolume> volumesToReclaim();

    /** Confirms that a volume's directory is gone; true when its object was removed. */
    boolean confirmVolumeReclaimed(String name, String uid);
  }

  private final Path dataDir;
  private final Masters masters;
  private ScheduledExecutorService timer;

  /** A reclaimer for the node whose agent keeps its data in {@code dataDir}. */
  public VolumeReclaimer(Path dataDir, Masters masters) {
    this.dataDir = dataDir;
    this.masters = masters;
  }

  /** Runs a round at every {@code interval}, the first one at once. */
  public synchronized VolumeReclaimer start(Duration interval) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "volume-reclaimer");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        this::roundQuietly, 0, Math.max(1, interval.toMillis()), TimeUnit.MILLISECONDS);
    return this;
  }

  private void roundQuietly() {
    try {
      reclaimOnce();
    } catch (RuntimeException e) {
      // No master answered or one refused: the volumes wait for the next round.
      log.debug("volume reclaim round failed: {}", e.toString());
    }
  }

  /** One round; returns the names of the volumes whose directories it removed and confirmed. */
  public List<String> reclaimOnce() {
    List<String> done = new ArrayList<>();
    for (PersistentVolume pv : masters.volumesToReclaim()) {
      String name = pv.getSpec().getProvisioned().getName();
      // The name is a single directory below volumes/, never a path that leads elsewhere.
      if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
        log.warn("not removing provisioned volume {}: bad directory name '{}'", pv, name);
        continue;
      }
      Path dir = PodFiles.provisionedVolumeDir(dataDir, name);
      try {
        PodFiles.deleteTree(dir);
      } catch (IOException e) {
        log.warn(
            "cannot remove {} of volume {}: {}", dir, pv.getMetadata().getName(), e.toString());
        continue;
      }
      masters.confirmVolumeReclaimed(pv.getMetadata().getName(), pv.getMetadata().getUid());
      log.info("removed {} of deleted volume {}", dir, pv.getMetadata().getName());
      done.add(pv.getMetadata().getName());
    }
    return done;
  }

  /** Stops the rounds. */
  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
