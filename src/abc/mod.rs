//! Reading ABC notation (work in progress).
