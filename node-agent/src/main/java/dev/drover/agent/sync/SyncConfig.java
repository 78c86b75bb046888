package dev.drover.agent.sync;

import dev.drover.client.Backoff;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the sync loop.
 *
 * @param nodeName name of this node (goes into container labels and events)
 * @param hostIp IP at which pods' host ports are reachable
 * @param dataDir directory for pod volumes (emptyDir, ConfigMap and Secret files)
 * @param infraImage image of pod sandboxes; empty means the pod's first container image
 * @param portRangeFirst first port of the dynamic host port range; 0 disables allocation
 * @param portRangeLast last port of that range
 * @param restartBackoffInitial first restart delay (Kubernetes: 10 s)
 * @param restartBackoffMax longest restart delay (Kubernetes: 5 min)
 * @param backoffResetAfter run time after which the restart delay starts over (10 min)
 * @param syncPeriod how often each pod is re-checked without any trigger
 * @param statusFlushInterval how often coalesced statuses and events are sent
 * @param pullTimeout longest wait for one image pull
 */
public record SyncConfig(
    String nodeName,
    String hostIp,
    Path dataDir,
    String infraImage,
    int portRangeFirst,
    int portRangeLast,
    Duration restartBackoffInitial,
    Duration restartBackoffMax,
    Duration backoffResetAfter,
    Duration syncPeriod,
    Duration statusFlushInterval,
    Duration pullTimeout) {

  public SyncConfig {
    Objects.requireNonNull(nodeName, "nodeName");
    Objects.requireNonNull(hostIp, "hostIp");
    Objects.requireNonNull(dataDir, "dataDir");
    infraImage = infraImage == null ? "" : infraImage;
    requirePositive(restartBackoffInitial, "restartBackoffInitial");
    requirePositive(restartBackoffMax, "restartBackoffMax");
    requirePositive(backoffResetAfter, "backoffResetAfter");
    requirePositive(syncPeriod, "syncPeriod");
    requirePositive(statusFlushInterval, "statusFlushInterval");
    requirePositive(pullTimeout, "pullTimeout");
    if (restartBackoffMax.compareTo(restartBackoffInitial) < 0) {
      throw new IllegalArgumentException(
          "restartBackoffMax: must not be shorter than restartBackoffInitial ("
              + restartBackoffInitial
              + "), got "
              + restartBackoffMax);
    }
  }

  private static void requirePositive(Duration d, String field) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + ": must be a positive duration, got " + d);
    }
  }

  /** The restart (and pull) back-off these settings describe, with no failure yet. */
  public Backoff restartBackoff() {
    return new Backoff(restartBackoffInitial, restartBackoffMax, backoffResetAfter);
  }
}
