//! One cancellation token per run. Ctrl-C sets it; whatever runs at the time decides what
//! cancelling means there (discovery stops, writes roll back, delete stops between steps), and
//! the error it returns is printed once, by `main`.

use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Default)]
pub(crate) struct Cancel(CancellationToken);

impl Cancel {
    /// Cancel on Ctrl-C (SIGINT) from now on. A prompt reading keys gets Ctrl-C as a key;
    /// console then raises SIGINT itself, and with this handler in place the prompt returns an
    /// `Interrupted` error instead of the process dying.
    pub(crate) fn on_ctrl_c(&self) {
        let token = self.0.clone();
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                token.cancel();
            }
        });
    }

    #[cfg(test)]
    pub(crate) fn cancel(&self) {
        self.0.cancel();
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Resolves once the run is cancelled (at once if it already is).
    pub(crate) async fn cancelled(&self) {
        self.0.cancelled().await;
    }
}
