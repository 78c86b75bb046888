package dev.drover.master.api;

import dev.drover.api.v1.MasterInfo;
import java.util.List;

/** What the API reports about the masters (ClusterInfo): provided by the running master. */
public interface ClusterView {
  /** Id of this master. */
  String selfId();

  /** Every master of the configuration, with role and active flag as this master knows them. */
  List<MasterInfo> masters();
}
