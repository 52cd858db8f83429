//! Fetching the default folk data set (work in progress).
