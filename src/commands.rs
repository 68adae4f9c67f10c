//! `verify` and `delete`: the lifecycle commands around an existing role.

use anyhow::{bail, Result};

use crate::cli::{DeleteArgs, GlobalArgs, VerifyArgs};

pub async fn verify(_global: &GlobalArgs, _args: VerifyArgs) -> Result<()> {
    bail!("verify is not implemented yet")
}

pub async fn delete(_global: &GlobalArgs, _args: DeleteArgs) -> Result<()> {
    bail!("delete is not implemented yet")
}
