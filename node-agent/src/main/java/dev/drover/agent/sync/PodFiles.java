package dev.drover.agent.sync;

import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files of one pod on the node: its directory under the data directory, and in it the emptyDir,
 * ConfigMap and downward API volumes; the directories of its persistent volumes, which outlive it;
 * its Secret volumes on a tmpfs (see {@link #secretsRoot}); host paths are checked or created where
 * they are.
 */
final class PodFiles {

  private final Path dataDir;
  private final String uid;

  PodFiles(Path dataDir, String uid) {
    this.dataDir = dataDir;
    this.uid = uid;
  }

  /** The pod's directory. */
  Path podDir() {
    return dataDir.resolve("pods").resolve(uid);
  }

  /** The directory of one of the pod's volumes (emptyDir, ConfigMap, Secret). */
  Path volumeDir(String volume) {
    return podDir().resolve("volumes").resolve(volume);
  }

  /**
   * Where the data of a persistent volume is on this node: a provisioned volume's directory under
   * the data directory ({@code volumes/<name>}, outside every pod's directory so that it outlives
   * the pod), or the path of a hostPath or local volume.
   */
  Path persistentVolumeDir(PersistentVolume pv) {
    return switch (pv.getSpec().getSourceCase()) {
      case PROVISIONED -> provisionedVolumeDir(dataDir, pv.getSpec().getProvisioned().getName());
      case LOCAL -> Path.of(pv.getSpec().getLocal().getPath());
      default -> Path.of(pv.getSpec().getHostPath().getPath());
    };
  }

  /** The directory of the provisioned volume {@code name} on the node with {@code dataDir}. */
  static Path provisionedVolumeDir(Path dataDir, String name) {
    return dataDir.resolve("volumes").resolve(name);
  }

  /**
   * Where the pod's Secret volumes live: on a tmpfs (memory, never the node's disks), in a
   * directory only the agent's user may enter.
   */
  Path secretPodDir() {
    return secretsRoot(dataDir).resolve(uid);
  }

  /** The directory of one of the pod's Secret volumes. */
  Path secretVolumeDir(String volume) {
    return secretPodDir().resolve(volume);
  }

  /**
   * The tmpfs directory that holds every pod's Secret files for the agent with {@code dataDir}:
   * under /dev/shm (a tmpfs on Linux), named after the data directory so agents sharing a host do
   * not mix their pods; {@code secrets} in the data directory where there is no /dev/shm.
   */
  static Path secretsRoot(Path dataDir) {
    Path shm = Path.of("/dev/shm");
    if (!Files.isDirectory(shm) || !Files.isWritable(shm)) {
      return dataDir.resolve("secrets");
    }
    String id = Integer.toHexString(dataDir.toAbsolutePath().normalize().toString().hashCode());
    return shm.resolve("drover-secrets-" + id);
  }

  /** Deletes the pod's directory and its Secret files. */
  void deleteAll() throws IOException {
    deleteTree(podDir());
    deleteTree(secretPodDir());
  }

  private static void ensurePrivateDir(Path dir) throws IOException {
    Files.createDirectories(dir);
    try {
      Files.setPosixFilePermissions(dir, permissions(0700));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: keep the default mode.
    }
  }

  /** Creates emptyDir directories and writes ConfigMap, Secret and downward API files. */
  void prepareVolumes(Pod pod, PodInputs inputs, DownwardApi.Facts facts)
      throws IOException, PodInputs.ConfigError {
    List<Volume> volumes = pod.getSpec().getVolumesList();
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      if (v.hasEmptyDir()) {
        Files.createDirectories(volumeDir(v.getName()));
      } else if (v.hasHostPath()) {
        String type = v.getHostPath().getType();
        Path path = Path.of(v.getHostPath().getPath());
        if ("DirectoryOrCreate".equals(type)) {
          Files.createDirectories(path);
        } else if ("Directory".equals(type) && !Files.isDirectory(path)) {
          throw new PodInputs.ConfigError(
              "spec.volumes[" + i + "].hostPath.path: " + path + " is not a directory");
        } else if ("File".equals(type) && !Files.isRegularFile(path)) {
          throw new PodInputs.ConfigError(
              "spec.volumes[" + i + "].hostPath.path: " + path + " is not a file");
        } else if ("FileOrCreate".equals(type) && !Files.exists(path)) {
          Files.createDirectories(path.getParent());
          Files.createFile(path);
        }
      } else if (v.hasPersistentVolumeClaim()) {
        PersistentVolume pv = inputs.claimVolume(v, i);
        Path dir = persistentVolumeDir(pv);
        if (pv.getSpec().hasLocal() && !Files.isDirectory(dir)) {
          throw new PodInputs.ConfigError(
              "persistentvolume "
                  + pv.getMetadata().getName()
                  + ": "
                  + dir
                  + " is not a directory");
        }
        Files.createDirectories(dir);
      } else if (v.hasConfigMap() || v.hasSecret() || v.hasDownwardApi()) {
        Map<String, PodInputs.FileContent> files =
            v.hasDownwardApi()
                ? DownwardApi.volumeFiles(
                    pod, facts, v.getDownwardApi(), "spec.volumes[" + i + "].downwardAPI")
                : inputs.volumeFiles(v, i);
        Path dir = v.hasSecret() ? secretVolumeDir(v.getName()) : volumeDir(v.getName());
        if (v.hasSecret()) {
          ensurePrivateDir(secretPodDir().getParent());
          ensurePrivateDir(secretPodDir());
        }
        deleteTree(dir);
        Files.createDirectories(dir);
        for (Map.Entry<String, PodInputs.FileContent> f : files.entrySet()) {
          Path file = dir.resolve(f.getKey());
          Files.createDirectories(file.getParent());
          Files.write(file, f.getValue().data());
          try {
            Files.setPosixFilePermissions(file, permissions(f.getValue().mode()));
          } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: keep the default mode.
          }
        }
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_READ
    };
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }

  /** Deletes a directory and everything below it; nothing if it does not exist. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
